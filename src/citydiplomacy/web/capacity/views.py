"""Pages of the diplomatic capacity app. Thin: the rules are in :mod:`.services` and
:mod:`.permissions`, the maths in :mod:`citydiplomacy.core.capacity`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citydiplomacy.core.capacity.gaps import COMBINE_RULES, MIN_GROUP
from citydiplomacy.errors import CityDiplomacyError, ValidationError
from citydiplomacy.io import capacity as capacity_io
from citydiplomacy.web.accounts import permissions as platform
from citydiplomacy.web.capacity import charts, labels, permissions, services
from citydiplomacy.web.capacity.forms import (
    AssessmentForm,
    OfficeSurveyForm,
    ProgrammeForm,
    SessionForm,
    StatementForm,
    UploadForm,
)
from citydiplomacy.web.capacity.models import (
    OfficeSurvey,
    Participant,
    Person,
    Programme,
    RaterKind,
    Session,
)
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.cities.sections import CitySection
from citydiplomacy.web.forms import checks_form_text
from citydiplomacy.web.indicators.charts import fmt

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, filename: str, fmt: str) -> HttpResponse:
    kind = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _rule(request: HttpRequest) -> str:
    rule = request.GET.get("rule", services.DEFAULT_RULE)
    return rule if rule in COMBINE_RULES else services.DEFAULT_RULE


# ------------------------------------------------------------------------- framework
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    fv = services.current_framework()
    return render(
        request,
        "capacity/index.html",
        {
            "fv": fv,
            "own": permissions.person_of(request.user),
            "programmes": services.visible_programmes(request.user)[:20],
            "managed": City.objects.filter(pk__in=permissions.managed_city_ids(request.user)),
            "is_organiser": permissions.is_organiser(request.user),
            "figures": [(f, labels.question(f.indicator)) for f in capacity_io.published_figures()],
        },
    )


def _framework_context(request: HttpRequest) -> dict[str, Any]:
    """What the framework page shows, in the page's language where the framework has a
    current translation (its review status said on the page)."""
    fv = services.current_framework()
    fw = services.framework_of(fv)
    level_names: tuple[str, ...] = labels.level_names()
    translated = services.framework_in(fv, translation.get_language() or "en")
    if translated is not None:
        fw, level_names = translated.framework, translated.level_names
    return {
        "fv": fv,
        "fw": fw,
        "domains": [(d, fw.in_domain(d.code)) for d in fw.domains],
        "level_names": level_names,
        "roles": [(r, labels.role_name(r)) for r in fw.roles],
        "can_import": permissions.can_manage_framework(request.user),
        "translated": translated,
        "review_statuses": sorted(set(translated.status.values())) if translated else [],
    }


@require_GET
def framework(request: HttpRequest) -> HttpResponse:
    """The framework: domains with their sources, competencies, levels and targets."""
    return render(
        request, "capacity/framework.html", {**_framework_context(request), "form": UploadForm()}
    )


@require_GET
def framework_export(request: HttpRequest, fmt: str) -> HttpResponse:
    fv = services.current_framework()
    return _download(services.framework_export(fv, fmt), f"capacity-framework-v{fv.version}", fmt)


@require_GET
def framework_case(request: HttpRequest) -> HttpResponse:
    """The framework as a 1EdTech CASE 1.0 package (JSON), for learning platforms."""
    fv = services.current_framework()
    page = request.build_absolute_uri(reverse("capacity:framework"))
    response = JsonResponse(
        services.framework_case(fv, page), json_dumps_params={"ensure_ascii": False, "indent": 1}
    )
    response["Content-Disposition"] = (
        f'attachment; filename="capacity-framework-v{fv.version}.case.json"'
    )
    return response


@login_required
@require_POST
def framework_import(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage_framework(request.user):
        raise PermissionDenied("Only the secretariat loads a competency framework.")
    form = UploadForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        f = form.cleaned_data["file"]
        try:
            fv = services.import_framework(request.user, f.read(), f.name)
        except ValidationError as exc:
            problems = [str(p) for p in exc.problems]
        else:
            messages.success(
                request,
                gettext("Framework %(framework)s loaded and made current.") % {"framework": fv},
            )
            return redirect("capacity:framework")
    else:
        problems = [str(e) for errs in form.errors.values() for e in errs]
    return render(
        request,
        "capacity/framework.html",
        {**_framework_context(request), "form": form, "problems": problems},
        status=422,
    )


# ------------------------------------------------------------------------- people
@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    own = permissions.person_of(request.user)
    if own is None:
        raise Http404(
            "You have no capacity profile; a programme organiser or your city's "
            "manager adds you to a programme."
        )
    return redirect("capacity:person", pk=own.pk)


def _readable_person(request: HttpRequest, pk: int) -> Person:
    person = get_object_or_404(Person.objects.select_related("city", "city__country"), pk=pk)
    if not permissions.can_read_ratings(request.user, person):
        raise Http404("No such person.")  # 404: others do not learn whom the platform holds
    return person


@login_required
@require_GET
def person(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's ratings, gaps (largest first), radar chart and learning plan."""
    p = _readable_person(request, pk)
    report = services.person_report(request.user, p, _rule(request))
    fw = report.framework
    names = {c.code: c.name for c in fw.competencies}
    radar = charts.radar_svg(
        list(fw.codes),
        [report.targets, report.combined, report.after],
        chart_id="radar",
        title=gettext("Competencies of %(name)s: rating against target") % {"name": p.name},
    )
    rows = []
    for g in report.gaps:
        k = fw.index(g.code)
        rows.append(
            {
                "gap": g,
                "name": names[g.code],
                "own": fmt(report.own[k], 0),
                "second": fmt(report.second[k], 0),
                "used": fmt(report.combined[k]),
                "gap_text": "–" if g.gap is None else f"{g.gap:+.1f}",
                "after": fmt(report.after[k]),
                "change": fmt(report.change[k]),
                "disagree": g.code in report.disagree,
            }
        )
    plan_rows = [
        (report.modules[s.module], [fw.codes[k] for k in s.covers], s.covered_shortfall)
        for s in report.plan.steps
    ]
    return render(
        request,
        "capacity/person.html",
        {
            "p": p,
            "report": report,
            "rows": rows,
            "radar": radar,
            "plan_rows": plan_rows,
            "uncovered": [fw.codes[k] for k in report.plan.uncovered],
            "role": labels.role_name(p.role),
            "rules": COMBINE_RULES,
            "is_self": p.user_id == request.user.pk,
            "second_kind": permissions.second_rater_kind(request.user, p),
            "participations": p.participations.select_related("programme"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest, pk: int, rater: str) -> HttpResponse:
    """The self-assessment (``self``) or a second rating (``second``) of a person."""
    p = get_object_or_404(Person, pk=pk)
    if rater == "self":
        if p.user_id != request.user.pk:
            raise Http404("No such person.")
        kind = RaterKind.SELF
    else:
        second = permissions.second_rater_kind(request.user, p)
        if second is None:
            raise Http404("No such person.")
        kind = RaterKind(second)
    fv = services.current_framework()
    comps = services.competencies(fv)
    form = AssessmentForm(request.POST or None, competencies=comps)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_assessment(
                request.user, p, form.levels(), phase=form.cleaned_data["phase"], rater=kind
            )
        except CityDiplomacyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("Ratings saved."))
            if permissions.can_read_ratings(request.user, p):
                return redirect("capacity:person", pk=p.pk)
            return redirect("capacity:index")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "capacity/assess.html",
        {
            "p": p,
            "form": form,
            "kind": kind,
            "role": labels.role_name(p.role),
        },
        status=status,
    )


# ------------------------------------------------------------------------- cities
def _city_context(request: HttpRequest, city: City) -> dict[str, Any]:
    people = services.city_people(city)
    report = services.group_report(people, _rule(request))
    fw = report.framework
    order = report.summary.order()
    rows = [
        {
            "code": fw.codes[k],
            "name": fw.competencies[k].name,
            "n": int(report.summary.n_rated[k]),
            "rating": report.summary.mean_rating[k],
            "gap": report.summary.mean_gap[k],
            "below": report.summary.share_below[k],
            "hidden": bool(report.summary.suppressed[k]),
            "css": charts.gap_class(float(report.summary.mean_gap[k])),
        }
        for k in order
    ]
    readable = permissions.readable_person_ids(request.user, people)
    surveys = list(OfficeSurvey.objects.filter(city=city))
    year, comparison = services.survey_comparison(surveys[0].year if surveys else None)
    return {
        "city": city,
        "rows": rows,
        "n_people": len(people),
        "min_group": MIN_GROUP,
        "surveys": surveys,
        "comparison": comparison,
        "survey_year": year,
        "can_edit_survey": permissions.can_edit_survey(request.user, city.pk),
        "readable": [p for p in people if p.pk in readable],
    }


@login_required
@require_GET
def city(request: HttpRequest, pk: int) -> HttpResponse:
    """A city's capacity: aggregate gaps (five raters or more), office surveys, comparison."""
    c = get_object_or_404(City.objects.select_related("country"), pk=pk)
    if not permissions.can_view_aggregates(request.user):
        raise PermissionDenied(
            gettext("The capacity pages are for participants, managers, organisers and analysts.")
        )
    return render(request, "capacity/city.html", _city_context(request, c))


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def city_survey(request: HttpRequest, pk: int) -> HttpResponse:
    c = get_object_or_404(City, pk=pk)
    if not permissions.can_edit_survey(request.user, c.pk):
        raise PermissionDenied("Only the city's manager or editor records its office survey.")
    year_text = request.POST.get("year") or request.GET.get("year") or ""
    existing = None
    if year_text.isascii() and year_text.isdigit() and len(year_text) == 4:
        existing = OfficeSurvey.objects.filter(city=c, year=int(year_text)).first()
    form = OfficeSurveyForm(
        request.POST or None, instance=existing, initial={"year": year_text or dt.date.today().year}
    )
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.SURVEY_FIELDS}
        try:
            services.save_survey(request.user, c, form.cleaned_data["year"], data)
        except CityDiplomacyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("Office survey saved."))
            return redirect("capacity:city", pk=c.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "capacity/survey_form.html", {"city": c, "form": form}, status=status)


def city_section(request: HttpRequest, city: City) -> CitySection | None:
    """The city page's capacity section: its latest office survey and a link, for those who
    may see capacity aggregates."""
    if not permissions.can_view_aggregates(request.user):
        return None
    survey = OfficeSurvey.objects.filter(city=city).first()
    n = Person.objects.filter(city=city).count()
    if survey is None and n == 0:
        return None
    return CitySection(
        "capacity",
        str(gettext("Diplomatic capacity")),
        "capacity/_city_section.html",
        {"survey": survey, "n_people": n, "city": city},
    )


# ------------------------------------------------------------------------- programmes
def _visible_programme(request: HttpRequest, slug: str) -> Programme:
    programme = get_object_or_404(Programme, slug=slug)
    if not permissions.can_view_programme(request.user, programme):
        raise Http404("No such programme.")
    return programme


@login_required
@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "capacity/programme_list.html",
        {
            "programmes": services.visible_programmes(request.user),
            "can_create": permissions.is_organiser(request.user),
        },
    )


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def programme_new(request: HttpRequest) -> HttpResponse:
    if not permissions.is_organiser(request.user):
        raise PermissionDenied("Only programme organisers create programmes.")
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            p = services.create_programme(request.user, **form.cleaned_data)
        except CityDiplomacyError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(p)
    status = 422 if request.method == "POST" else 200
    return render(request, "capacity/programme_form.html", {"form": form}, status=status)


@login_required
@require_GET
def programme(request: HttpRequest, slug: str) -> HttpResponse:
    """A cohort: participants, heat maps, change, sessions, mentoring, joint statement."""
    return _programme_page(request, _visible_programme(request, slug))


def _programme_page(
    request: HttpRequest,
    p: Programme,
    session_form: SessionForm | None = None,
    statement_form: StatementForm | None = None,
) -> HttpResponse:
    """The programme page; with a bound session or statement form that was refused, shown
    again with its errors at the fields and its values as typed (status 422)."""
    report = services.cohort_report(request.user, p, _rule(request))
    fw = report.framework
    codes = [fw.codes[k] for k in report.by_city.columns]
    names = [fw.competencies[k].name for k in report.by_city.columns]
    by_city = charts.heatmap_table(
        report.by_city.groups,
        codes,
        names,
        report.by_city.values,
        report.by_city.counts,
        report.by_city.suppressed,
        caption=gettext(
            "Mean gap by city (cities with fewer than %(n)d raters hidden), largest cohort "
            "gaps first"
        )
        % {"n": MIN_GROUP},
        table_id="heat-city",
    )
    by_person = None
    if report.by_person is not None:
        by_person = charts.heatmap_table(
            report.by_person.groups,
            codes,
            names,
            report.by_person.values,
            report.by_person.counts,
            report.by_person.suppressed,
            caption=gettext("Gap by participant (organisers only)"),
            table_id="heat-person",
        )
    cohort = report.by_city.cohort
    cohort_rows = [
        {
            "code": fw.codes[k],
            "name": fw.competencies[k].name,
            "n": int(cohort.n_rated[k]),
            "gap": cohort.mean_gap[k],
            "hidden": bool(cohort.suppressed[k]),
            "change": report.change[k],
        }
        for k in report.by_city.columns
    ]
    organiser = permissions.organises(request.user, p)
    own = permissions.person_of(request.user)
    participants = list(p.participants.select_related("person", "person__city"))
    readable = permissions.readable_person_ids(request.user, [x.person for x in participants])
    # URLs built once here: reverse() and {% url %} per row cost more than the rest of the
    # page for a cohort of 500.
    person_url = reverse("capacity:person", args=[1]).replace("/1/", "/{}/")
    certificate_url = reverse("capacity:certificate", args=[p.slug, 1]).replace("/1.pdf", "/{}.pdf")
    complete_url = reverse("capacity:complete", args=[p.slug, 1]).replace(
        "/1/complete/", "/{}/complete/"
    )
    visible_participants = [
        {
            "person": x.person,
            "completed_on": x.completed_on,
            "url": person_url.format(x.person_id),
            "certificate_url": certificate_url.format(x.person_id),
            "complete_url": complete_url.format(x.person_id),
        }
        for x in participants
        if x.person_id in readable
    ]
    pairs = list(p.pairs.select_related("first__city", "second__city"))
    if not organiser:
        pairs = [x for x in pairs if own is not None and own.pk in (x.first_id, x.second_id)]
    return render(
        request,
        "capacity/programme.html",
        {
            "p": p,
            "report": report,
            "by_city": by_city,
            "by_person": by_person,
            "cohort_rows": cohort_rows,
            "organiser": organiser,
            "min_group": MIN_GROUP,
            "n_participants": len(participants),
            "n_cities": len({x.person.city_id for x in participants}),
            "participants": visible_participants,
            "sessions": p.sessions.all(),
            "pairs": pairs,
            "own": own,
            "is_admin": platform.is_admin(request.user),
            "feed_url": request.build_absolute_uri(
                reverse("capacity:feed", args=[p.slug, p.feed_token])
            ),
            "session_form": session_form or SessionForm(),
            "statement_form": statement_form or StatementForm(),
            "upload_form": UploadForm(),
            "overall": report.overall,
        },
        status=422 if session_form is not None or statement_form is not None else 200,
    )


def _refusal(exc: Exception) -> str:
    """Why a service refused, in the page's language (a capacity service's message from the
    catalogue; another error's text as it is, translated where it was raised)."""
    if isinstance(exc, services.CapacityServiceError):
        return exc.translated()
    return str(exc)


def _organiser_post(request: HttpRequest, slug: str) -> Programme:
    p = _visible_programme(request, slug)
    if not permissions.organises(request.user, p):
        raise PermissionDenied("Only the programme's organisers do this.")
    return p


@login_required
@require_POST
def programme_import(request: HttpRequest, slug: str) -> HttpResponse:
    p = _organiser_post(request, slug)
    form = UploadForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        f = form.cleaned_data["file"]
        try:
            counts = services.import_responses(request.user, p, f.read(), f.name)
        except ValidationError as exc:
            problems = [str(x) for x in exc.problems]
        else:
            messages.success(
                request,
                ngettext(
                    "Imported %(ratings)d ratings of %(people)d person.",
                    "Imported %(ratings)d ratings of %(people)d people.",
                    counts["people"],
                )
                % counts,
            )
            return redirect(p)
    else:
        problems = [str(e) for errs in form.errors.values() for e in errs]
    return render(
        request, "capacity/import_problems.html", {"p": p, "problems": problems}, status=422
    )


@login_required
@require_GET
def responses_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    p = _visible_programme(request, slug)
    return _download(services.responses_export(request.user, p, fmt), f"{p.slug}-responses", fmt)


@login_required
@require_GET
def cohort_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    p = _visible_programme(request, slug)
    return _download(services.cohort_export(request.user, p, fmt), f"{p.slug}-cohort", fmt)


@require_GET
def feed(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The sessions' iCalendar feed; its secret address is shown to the programme's people."""
    p = get_object_or_404(Programme, slug=slug, feed_token=token)
    body = services.sessions_ics(p, request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{p.slug}.ics"'
    return response


@checks_form_text
@login_required
@require_POST
def session_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = _organiser_post(request, slug)
    form = SessionForm(request.POST)
    if not form.is_valid():
        return _programme_page(request, p, session_form=form)
    try:
        services.add_session(request.user, p, **form.cleaned_data)
    except CityDiplomacyError as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(request, gettext("Session added."))
    return redirect(p)


@login_required
@require_POST
def attendance(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = _organiser_post(request, slug)
    s = get_object_or_404(Session, pk=pk, programme=p)
    ids = [
        int(x)
        for x in request.POST.getlist("present")
        if x.isascii() and x.isdigit() and len(x) <= 10
    ]
    try:
        n = services.record_attendance(request.user, s, ids)
    except CityDiplomacyError as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(
            request,
            ngettext(
                "Attendance of %(n)d participant recorded.",
                "Attendance of %(n)d participants recorded.",
                n,
            )
            % {"n": n},
        )
    return redirect(p)


@login_required
@require_POST
def mentoring(request: HttpRequest, slug: str) -> HttpResponse:
    p = _organiser_post(request, slug)
    try:
        pairs = services.pair_mentors(request.user, p)
    except CityDiplomacyError as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(
            request,
            ngettext("%(n)d mentoring pair chosen.", "%(n)d mentoring pairs chosen.", len(pairs))
            % {"n": len(pairs)},
        )
    return redirect(p)


@checks_form_text
@login_required
@require_POST
def statement(request: HttpRequest, slug: str) -> HttpResponse:
    p = _organiser_post(request, slug)
    form = StatementForm(request.POST)
    if not form.is_valid():
        return _programme_page(request, p, statement_form=form)
    try:
        d = services.draft_statement(request.user, p, **form.cleaned_data)
    except (CityDiplomacyError, PermissionDenied) as exc:
        # The declarations feature lets only the secretariat draft; say so on the page.
        messages.error(request, _refusal(exc) or gettext("You may not draft this statement."))
        return redirect(p)
    return redirect("engagement:declaration", slug=d.slug)


@login_required
@require_POST
def complete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = _organiser_post(request, slug)
    part = get_object_or_404(Participant, programme=p, person_id=pk)
    services.set_completed(
        request.user, part, None if request.POST.get("undo") else dt.date.today()
    )
    return redirect(p)


@login_required
@require_GET
def certificate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The completion certificate as a PDF (printed by the project's Chromium printer)."""
    from citydiplomacy.reports.pdf import PdfUnavailableError
    from citydiplomacy.web.reports.printing import print_pdf

    p = get_object_or_404(Programme, slug=slug)
    part = get_object_or_404(
        Participant.objects.select_related("person", "person__city"), programme=p, person_id=pk
    )
    if not permissions.can_read_ratings(request.user, part.person):
        raise Http404("No such certificate.")
    try:
        context = services.certificate_context(request.user, part)
    except CityDiplomacyError as exc:
        raise Http404(str(exc)) from None
    html = render_to_string("capacity/certificate.html", context)
    if request.GET.get("format") == "html":
        return HttpResponse(html)
    try:
        pdf = print_pdf(html)
    except PdfUnavailableError as exc:
        return HttpResponse(
            f"The PDF cannot be printed now: {exc}",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{p.slug}-{pk}.pdf"'
    return response
