"""The catalogue of training modules: everyone browses and filters it (by domain, competency,
level, language and format) and downloads what the page shows as CSV or XLSX; programme
organisers and the secretariat create and edit modules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from citydiplomacy.web.capacity import labels, permissions, services
from citydiplomacy.web.capacity.forms import ModuleForm
from citydiplomacy.web.capacity.models import Module, ModuleFormat
from citydiplomacy.web.capacity.services import module_catalogue as catalogue
from citydiplomacy.web.forms import checks_form_text
from citydiplomacy.web.indicators.exports import table_response


@require_GET
def modules(request: HttpRequest) -> HttpResponse:
    """The catalogue with its filters; the downloads carry the same filters."""
    fv = services.current_framework()
    fw = services.framework_of(fv)
    flt = catalogue.ModuleFilter.from_query(request.GET, fw)
    # Names in the page's language where the framework has a translation (codes are the same).
    translated = services.framework_in(fv, translation.get_language() or "en")
    shown = translated.framework if translated is not None else fw
    levels = translated.level_names if translated is not None else labels.level_names()
    names = {c.code: c.name for c in shown.competencies}
    missing = gettext("not in the current framework")
    rows = [
        (
            m,
            [(c, names.get(c, missing)) for c in m.competency_codes],
            catalogue.level_label(m.level, levels),
        )
        for m in catalogue.browse(fw, flt)
    ]
    query = request.GET.urlencode()
    return render(
        request,
        "capacity/modules.html",
        {
            "rows": rows,
            "flt": flt,
            "filtered": flt != catalogue.ModuleFilter(),
            "total": Module.objects.count(),
            "domains": shown.domains,
            "competencies": shown.competencies,
            "levels": list(enumerate(levels, start=1)),
            "languages": catalogue.languages_in_use(),
            "formats": ModuleFormat.choices,
            "query": f"?{query}" if query else "",
            "can_edit": permissions.can_edit_modules(request.user),
        },
    )


@require_GET
def modules_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The rows the catalogue page shows with the same filters, as CSV or XLSX."""
    fw = services.framework_of(services.current_framework())
    flt = catalogue.ModuleFilter.from_query(request.GET, fw)
    frame = catalogue.catalogue_frame(catalogue.browse(fw, flt), fw)
    return table_response(frame, fmt, "capacity-modules")


def _module_form_page(
    request: HttpRequest, form: ModuleForm, module: Module | None, status: int = 200
) -> HttpResponse:
    return render(
        request, "capacity/module_form.html", {"form": form, "module": module}, status=status
    )


def _initial(module: Module) -> dict[str, Any]:
    return {
        "code": module.code,
        "title": module.title,
        "provider": module.provider,
        "format": module.format,
        "hours": module.hours,
        "level": "" if module.level is None else str(module.level),
        "languages": " ".join(module.languages),
        "url": module.url,
        "description": module.description,
        "competency_codes": list(module.competency_codes),
    }


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def module_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Create a module (no ``code``) or edit one: programme organisers and the secretariat."""
    if not permissions.can_edit_modules(request.user):
        raise PermissionDenied("Only programme organisers and the secretariat edit the catalogue.")
    module = get_object_or_404(Module, code=code) if code is not None else None
    competencies = services.competencies(services.current_framework())
    if request.method == "GET":
        initial = _initial(module) if module is not None else {}
        return _module_form_page(
            request, ModuleForm(initial=initial, competencies=competencies), module
        )
    form = ModuleForm(request.POST, competencies=competencies)
    if not form.is_valid():
        return _module_form_page(request, form, module, status=422)
    try:
        saved = catalogue.save_module(request.user, form.cleaned_data, module)
    except services.CapacityServiceError as exc:
        form.add_error("code", exc.translated())
        return _module_form_page(request, form, module, status=422)
    messages.success(request, gettext("Module %(code)s saved.") % {"code": saved.code})
    return redirect(f"{reverse('capacity:modules')}#m-{saved.code}")
