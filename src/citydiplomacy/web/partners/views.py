"""Pages of partnerships, networks and partner matchmaking (mounted at /partners/).

Access follows :mod:`citydiplomacy.web.partners.services`: a partnership the viewer may not see
is a 404 (a proposal does not reveal itself); a change the viewer may not make is a 403.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citydiplomacy.core import peers as core_peers
from citydiplomacy.core.context import FACTORS
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.cities.sections import CitySection
from citydiplomacy.web.forms import checks_form_text
from citydiplomacy.web.indicators.exports import FORMATS, table_response
from citydiplomacy.web.partners import services
from citydiplomacy.web.partners.forms import (
    ActivityForm,
    DocumentForm,
    EditForm,
    FilterForm,
    MembershipForm,
    PartnershipForm,
    SuggestForm,
)
from citydiplomacy.web.partners.graphics import ego_svg
from citydiplomacy.web.partners.models import (
    Document,
    Membership,
    Network,
    Partnership,
    PartnershipCity,
)
from citydiplomacy.web.partners.reasons import FACTOR_LABELS, SIGNAL_LABELS, localised

PAGE_SIZE = 50
MAP_ASSETS = (
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/topojson-client/topojson-client.min.js",
    "vendor/world-atlas/countries-50m.json",
)
#: Partners drawn on a map at most (the list beside it has them all).
MAP_LIMIT = 300


def map_assets() -> bool:
    return all(finders.find(p) for p in MAP_ASSETS)


def _parties_prefetch() -> Prefetch[Any]:
    return Prefetch(
        "parties", queryset=PartnershipCity.objects.select_related("city", "city__country")
    )


# ------------------------------------------------------------------ lists and details
def _filtered(request: HttpRequest) -> tuple[FilterForm, QuerySet[Partnership]]:
    """The list's filter form and the partnerships it selects for this viewer, in the list's
    order: the one selection of the page and of its CSV and XLSX exports."""
    form = FilterForm(request.GET or None)
    qs = services.visible_partnerships(request.user)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if d["city"]:
            qs = qs.filter(parties__city_id=d["city"])
        if d["kind"]:
            qs = qs.filter(kind=d["kind"])
        if d["status"]:
            qs = qs.filter(status=d["status"])
        if d["source"] == "entered":
            qs = qs.filter(source="")
        elif d["source"] == "imported":
            qs = qs.exclude(source="")
    return form, qs.order_by("-updated_at", "-pk").prefetch_related(_parties_prefetch())


def index(request: HttpRequest) -> HttpResponse:
    form, qs = _filtered(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "partners/index.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_propose": permissions.can_edit_any_city(request.user),
            "networks": Network.objects.annotate(n=Count("memberships")).order_by("name"),
        },
    )


#: Columns of the partnerships export: the page's table, with ids and the source's address.
EXPORT_COLUMNS = (
    "id",
    "partnership",
    "cities",
    "geonames_ids",
    "kind",
    "status",
    "source",
    "source_url",
    "start",
    "end",
    "demo_data",
)


def export_frame(qs: QuerySet[Partnership]) -> pd.DataFrame:
    """One row per partnership of ``qs`` (every page), as the list shows it."""
    rows = []
    for p in qs:
        parties = list(p.parties.all())
        rows.append(
            {
                "id": p.pk,
                "partnership": p.label,
                "cities": ", ".join(f"{pc.city.name} ({pc.city.country_id})" for pc in parties),
                "geonames_ids": " ".join(str(pc.city_id) for pc in parties),
                "kind": str(p.get_kind_display()),
                "status": str(p.get_status_display()),
                "source": p.source,
                "source_url": p.source_url,
                "start": p.start.isoformat() if p.start else "",
                "end": p.end.isoformat() if p.end else "",
                "demo_data": "DEMO data" if p.is_demo else "",
            }
        )
    return pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))


@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """``/partners/export.csv|xlsx?<the list's filters>``: every partnership the list shows
    this viewer with these filters (all pages), text guarded against spreadsheet formulas."""
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")
    form, qs = _filtered(request)
    if form.is_bound and not form.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()
        )
        return HttpResponse(
            f"The filter is not valid ({problems}); nothing was exported.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return table_response(export_frame(qs), fmt, "partnerships")


def _visible_or_404(request: HttpRequest, pk: int) -> Partnership:
    p = services.visible_partnerships(request.user).filter(pk=pk).first()
    if p is None:
        raise Http404("No such partnership.")
    return p


def shown_partnership(request: HttpRequest, pk: int) -> Partnership:
    """The partnership ``pk`` with its parties prefetched, if this viewer may see it (else a
    404): the detail page's and its party table export's one selection."""
    p = (
        services.visible_partnerships(request.user)
        .prefetch_related(_parties_prefetch())
        .filter(pk=pk)
        .first()
    )
    if p is None:
        raise Http404("No such partnership.")
    return p


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    p = shown_partnership(request, pk)
    parties = list(p.parties.all())  # prefetched: the label reads them too
    theme_names = dict(services.theme_choices())
    return render(
        request,
        "partners/detail.html",
        {
            "p": p,
            "parties": parties,
            "themes": [(t, theme_names.get(t, t)) for t in p.themes],
            "activities": p.activities.all(),
            "documents": services.visible_documents(request.user, p),
            "can_change": services.can_change(request.user, p),
            "confirmable": services.confirmable_parties(request.user, p),
        },
    )


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest) -> HttpResponse:
    if not permissions.can_edit_any_city(request.user):
        raise PermissionDenied("Only city editors and the secretariat propose partnerships.")
    form = PartnershipForm(request.user, request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        try:
            p = services.propose(request.user, form.proposal())
        except services.PartnershipError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Partnership proposed. Each party city confirms it."))
            return HttpResponseRedirect(reverse("partners:detail", args=[p.pk]))
    return render(
        request,
        "partners/form.html",
        {"form": form, "title": _("Propose a partnership")},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    p = _visible_or_404(request, pk)
    raw = request.POST.getlist("city")
    # Posted ids restrict the confirmation; ids that cannot be cities match no party.
    ids = [int(x) for x in raw if x.isascii() and x.isdigit() and len(x) < 11] if raw else None
    done = services.confirm(request.user, p, ids)
    names = ", ".join(City.objects.filter(pk__in=done).values_list("name", flat=True))
    messages.success(request, _("Confirmed for %(cities)s.") % {"cities": names})
    return HttpResponseRedirect(reverse("partners:detail", args=[p.pk]))


def _change_or_403(request: HttpRequest, pk: int) -> Partnership:
    p = _visible_or_404(request, pk)
    if not services.can_change(request.user, p):
        raise PermissionDenied("Only editors of a party city and the secretariat change this.")
    return p


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    p = _change_or_403(request, pk)
    if p.is_imported and not permissions.is_admin(request.user):
        raise PermissionDenied("Imported records are edited by the secretariat only.")
    form = EditForm(request.POST or None, instance=p)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            terms_changed = [f for f in form.changed_data if f != "ended"]
            withdrawn = services.proposal_changed(request.user, p) if terms_changed else []
        messages.success(request, _("Partnership saved."))
        if withdrawn:
            names = ", ".join(City.objects.filter(pk__in=withdrawn).values_list("name", flat=True))
            messages.info(
                request,
                _("The terms changed: %(cities)s must confirm the proposal again.")
                % {"cities": names},
            )
        return HttpResponseRedirect(reverse("partners:detail", args=[p.pk]))
    return render(
        request,
        "partners/form.html",
        {"form": form, "title": _("Edit %(p)s") % {"p": p.label}, "back": p},
        status=400 if form.errors else 200,
    )


def _add_child(request: HttpRequest, pk: int, form_class: Any, title: str) -> HttpResponse:
    p = _change_or_403(request, pk)
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.partnership = p
        obj.added_by = request.user
        obj.save()
        messages.success(request, _("Added."))
        return HttpResponseRedirect(reverse("partners:detail", args=[p.pk]))
    return render(
        request,
        "partners/form.html",
        {"form": form, "title": f"{title}: {p.label}", "back": p},
        status=400 if form.errors else 200,
    )


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def add_activity(request: HttpRequest, pk: int) -> HttpResponse:
    return _add_child(request, pk, ActivityForm, str(_("Add an activity")))


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def add_document(request: HttpRequest, pk: int) -> HttpResponse:
    return _add_child(request, pk, DocumentForm, str(_("Add a document")))


@require_GET
def document(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    """A document's file, for those who may see it (others get a 404, as for the
    partnership), as a download that the browser does not render in the site's origin."""
    doc = get_object_or_404(Document.objects.select_related("partnership"), pk=pk)
    p = _visible_or_404(request, doc.partnership_id)
    if doc.restricted and not services.can_see_restricted(request.user, p):
        raise Http404("No such document.")
    if not doc.file:
        return HttpResponseRedirect(doc.url)
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise Http404("The document's file is missing; ask the secretariat.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=doc.file_name, content_type=doc.content_type
    )
    response["Cache-Control"] = "private, no-store" if doc.restricted else "private"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ------------------------------------------------------------------ networks
def listed_networks() -> QuerySet[Network]:
    """The networks list's rows, each with its member count ``n``: the page's and its
    export's one selection."""
    return Network.objects.annotate(n=Count("memberships")).order_by("name")


def network_members(net: Network) -> QuerySet[Membership]:
    """A network's members as its page lists them (every page): the page's and its export's
    one selection."""
    return net.memberships.select_related("city", "city__country").order_by(
        "city__country__name", "city__name"
    )


def networks(request: HttpRequest) -> HttpResponse:
    return render(request, "partners/networks.html", {"networks": listed_networks()})


def network(request: HttpRequest, slug: str) -> HttpResponse:
    net = get_object_or_404(Network, slug=slug)
    page = Paginator(network_members(net), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/network.html",
        {
            "net": net,
            "page": page,
            "can_add": permissions.can_edit_any_city(request.user),
            "can_manage": services.can_manage_networks(request.user),
        },
    )


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def add_membership(request: HttpRequest, slug: str) -> HttpResponse:
    net = get_object_or_404(Network, slug=slug)
    if not permissions.can_edit_any_city(request.user):
        raise PermissionDenied("Only city editors and the secretariat record memberships.")
    form = MembershipForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if not services.can_manage_membership(request.user, d["city"]):
            raise PermissionDenied("You may record memberships of your own cities only.")
        Membership.objects.update_or_create(
            network=net,
            city_id=d["city"],
            defaults={
                "role": d["role"],
                "since": d["since"],
                "commitments": d["commitments"],
                "source": "",
                "source_ref": "",
            },
        )
        messages.success(request, _("Membership saved."))
        return HttpResponseRedirect(reverse("partners:network", args=[net.slug]))
    return render(
        request,
        "partners/form.html",
        {"form": form, "title": _("Record a membership of %(n)s") % {"n": net}},
        status=400 if form.errors else 200,
    )


# ------------------------------------------------------------------ a city's ties
def _partners_of(request: HttpRequest, city: City) -> list[dict[str, Any]]:
    """The visible partnerships of ``city``, each with its other parties: the ties page's
    table and its export's one selection."""
    qs = (
        services.visible_partnerships(request.user)
        .filter(parties__city=city)
        .prefetch_related(_parties_prefetch())
        .order_by("status", "kind", "pk")
    )
    out = []
    for p in qs:
        others = [pc.city for pc in p.parties.all() if pc.city_id != city.pk]
        out.append({"p": p, "others": others})
    return out


def _map_data(city: City, rows: list[dict[str, Any]]) -> dict[str, Any]:
    partners: dict[int, dict[str, Any]] = {}
    for row in rows:
        for c in row["others"]:
            partners.setdefault(
                c.pk,
                {
                    "id": c.pk,
                    "name": c.local_name,
                    "country": c.country_id,
                    "lat": c.latitude,
                    "lon": c.longitude,
                    "status": row["p"].get_status_display(),
                    "url": reverse("cities:detail", args=[c.pk]),
                },
            )
    return {
        "city": {
            "id": city.pk,
            "name": city.local_name,
            "lat": city.latitude,
            "lon": city.longitude,
        },
        "partners": list(partners.values())[:MAP_LIMIT],
    }


def _networks_of(city: City) -> list[Membership]:
    return list(Membership.objects.filter(city=city).select_related("network"))


def city_section(request: HttpRequest, city: City) -> CitySection | None:
    """The city page's section: partnerships, networks and a partner map."""
    rows = _partners_of(request, city)
    mems = _networks_of(city)
    if not rows and not mems and not permissions.can_edit_city(request.user, city):
        return None
    return CitySection(
        "partners",
        str(_("Partnerships and networks")),
        "partners/_city.html",
        {
            "rows": rows[:12],
            "n_rows": len(rows),
            "memberships": mems,
            "map_data": _map_data(city, rows),
            "map_assets": map_assets(),
            "can_propose": permissions.can_edit_city(request.user, city),
        },
    )


def city_ties(request: HttpRequest, pk: int) -> HttpResponse:
    city = get_object_or_404(City.objects.select_related("country"), pk=pk)
    rows = _partners_of(request, city)
    mems = _networks_of(city)
    analysis = services.tie_analysis()
    svg = ""
    m = None
    if analysis is not None:
        svg = ego_svg(analysis.graph, city.pk, title=str(_("Ties of %(c)s") % {"c": city.name}))
        metrics = analysis.metrics
        if city.pk in metrics.index:
            values = metrics.loc[[city.pk], ["partners", "degree", "community", "bridging"]]
            partners, degree, community, bridging = values.to_numpy(dtype=float)[0]
            m = {
                "partners": int(partners),
                "degree": int(degree),
                "community": int(community),
                "bridging": float(bridging),
            }
    return render(
        request,
        "partners/city.html",
        {
            "city": city,
            "rows": rows,
            "memberships": mems,
            "map_data": _map_data(city, rows),
            "map_assets": map_assets(),
            "svg": svg,
            "metrics": m,
            "analysis": _analysis_state(analysis),
            "can_propose": permissions.can_edit_city(request.user, city),
        },
    )


# ------------------------------------------------------------------ matchmaking
def _explained(rec: core_peers.Recommendation, cities: dict[int, City]) -> dict[str, Any]:
    """One suggestion for the page: its reasons and labels in the page's language."""
    return {
        "rec": rec,
        "city": cities[rec.city_id],
        "reasons": [localised(r) for r in rec.reasons],
        "components": [
            (SIGNAL_LABELS.get(s, s), value, rec.signals.get(s, 0.0))
            for s, value in rec.components.items()
        ],
        "factors": [(FACTOR_LABELS[f], rec.factors[f]) for f in FACTORS],
    }


def suggestions(request: HttpRequest) -> dict[str, Any]:
    """The suggestion page's form and what it shows for this viewer and query (``city``,
    ``results`` each with its explanation and KPI evidence, ``error``, ``notes``): the one
    selection of the page and of its CSV and XLSX exports."""
    data = request.GET.copy() if request.GET else None
    if data is not None and not data.get("k"):
        data["k"] = "10"
    form = SuggestForm(data)
    results: list[dict[str, Any]] = []
    city = None
    error = ""
    notes: tuple[str, ...] = ()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        city = City.objects.select_related("country").filter(pk=d["city"]).first()
        if city is None:
            form.add_error("city", _("No city with this GeoNames id in the registry."))
        else:
            try:
                recs = services.suggest_for(
                    request.user,
                    city,
                    theme=d["theme"] or None,
                    mode=d["mode"] or "peer",
                    k=d["k"] or 10,
                    exclude_partners=not d["include_partners"],
                )
            except KeyError as exc:
                error = str(exc)
                recs = []
            if not error:
                notes = services.suggestion_limits(
                    request.user, city, theme=d["theme"] or None, mode=d["mode"] or "peer"
                ).notes
            found = City.objects.select_related("country").in_bulk([r.city_id for r in recs])
            results = [_explained(r, found) for r in recs]
    return {"form": form, "city": city, "results": results, "error": error, "notes": notes}


def suggest(request: HttpRequest) -> HttpResponse:
    context = suggestions(request)
    form = context["form"]
    return render(
        request,
        "partners/suggest.html",
        {
            **context,
            "query": request.GET.urlencode(),
            "has_evidence": any(r["rec"].kpis for r in context["results"]),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _analysis_state(analysis: services.TieAnalysis | None) -> dict[str, Any]:
    """What a page says about the tie analysis it shows: how many cities, when computed,
    whether it is being brought up to date, or not there yet."""
    if analysis is None:
        return {"ready": False, "stale": False, "n_cities": 0, "computed_at": None}
    return {
        "ready": True,
        "stale": analysis.version != services.ties_version(),
        "n_cities": len(analysis.metrics),
        "computed_at": analysis.computed_at,
    }


def analysis_tables(found: services.TieAnalysis) -> dict[str, Any]:
    """The analysis page's three tables (``central``, ``bridging``, ``most_partners``: rows
    of city, partners, degree, betweenness, bridging, community) and its community counts:
    the page's and its export's one selection."""
    metrics = found.metrics
    ids = list(metrics.index[:30])
    for col in ("bridging", "partners"):
        ids += list(metrics.sort_values(col, ascending=False).index[:15])
    cities = City.objects.select_related("country").in_bulk(ids)

    def rows(frame: Any) -> list[dict[str, Any]]:
        out = []
        for i, r in zip(frame.index, frame.itertuples(index=False), strict=True):
            if i in cities:
                out.append(
                    {
                        "city": cities[i],
                        "partners": int(r.partners),
                        "degree": int(r.degree),
                        "betweenness": float(r.betweenness),
                        "bridging": float(r.bridging),
                        "community": int(r.community),
                    }
                )
        return out

    communities = (
        metrics.groupby("community").size().sort_values(ascending=False).head(10)
        if len(metrics)
        else None
    )
    return {
        "n_cities": len(metrics),
        "central": rows(metrics.head(20)),
        "bridging": rows(metrics.sort_values("bridging", ascending=False).head(15)),
        "most_partners": rows(metrics.sort_values("partners", ascending=False).head(15)),
        "communities": [] if communities is None else list(communities.items()),
        "n_communities": 0 if communities is None else int(metrics["community"].nunique()),
    }


def analysis(request: HttpRequest) -> HttpResponse:
    found = services.tie_analysis()
    if found is None:
        return render(
            request,
            "partners/analysis.html",
            {"analysis": _analysis_state(None), "n_cities": 0, "n_communities": 0},
        )
    return render(
        request,
        "partners/analysis.html",
        {"analysis": _analysis_state(found), **analysis_tables(found)},
    )
