"""Views: the dashboards under /dashboard/ for signed-in partners.

- ``dashboard-overview``: the landing page, one screen of tiles, one per measure, for an area
  and kind of period, read from the results table the worker writes after each load;
- ``dashboard``: the success measures and the other measures of an area or ward, with their
  trends (a chart with 95% intervals, its text alternative, data table and provenance), for
  calendar or financial years over a range of years;
- ``dashboard-map``: rates by LSOA and Gi* hotspots of a measure, with the data (exact counts:
  the portal is internal, nothing here is published);
- ``dashboard-map-geojson``: the same map's LSOAs with their boundaries and figures, for the
  interactive map the browser draws over the page's static one (portal/dashboard-map.js);
- ``dashboard-records`` and ``dashboard-records-csv``: the record-level rows behind a measure
  (pseudonymised tokens only), for roles that may see them; every view and download is audited.

The figures come from svduty.portal.dashboard, which reads the warehouse and caches the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from svduty.portal import audit, dashboard
from svduty.portal.access import require
from svduty.portal.dashboard import Choice, WarehouseUnavailable
from svduty.portal.forms import Accessible
from svduty.portal.models import AuditEvent
from svduty.portal.partial import partial_main
from svduty.portal.roles import Capability
from svduty.reference.population import denominator

__all__ = ["FilterForm", "MapForm", "OverviewForm", "RecordsForm", "urlpatterns"]

# ---- the filters --------------------------------------------------------------------------------


def _area_field() -> forms.ChoiceField:
    """The area every dashboard form starts with (its choices are set per request)."""
    return forms.ChoiceField(
        label="Area",
        help_text="The force area, or one of its local authorities.",
        error_messages={"invalid_choice": "Choose an area from the list."},
    )


class FilterForm(Accessible, forms.Form):
    """Area, ward, kind of period and range of years. Every field has a default, so the form is
    always bound (an empty query shows the force area, calendar years, every year)."""

    area = _area_field()
    ward = forms.ChoiceField(
        label="Ward",
        required=False,
        help_text="December 2019 wards of the local authority chosen. To list another "
        "authority's wards, choose it and select Show.",
    )
    period_type = forms.ChoiceField(
        label="Periods",
        widget=forms.RadioSelect,
        choices=list(dashboard.PERIOD_TYPES.items()),
        error_messages={"invalid_choice": "Choose calendar years or financial years."},
    )
    start = forms.TypedChoiceField(
        label="From",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="A financial year is named by the year it starts in: 2019 means 2019/20.",
        error_messages={"invalid_choice": "Choose a year from the list."},
    )
    end = forms.TypedChoiceField(
        label="To",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "Choose a year from the list."},
    )

    def __init__(self, data, *, areas, wards, years, **kwargs):
        super().__init__(data, **kwargs)
        self.areas = {a.id: a for a in areas}
        self.fields["area"].choices = [(a.id, _area_label(a)) for a in areas]
        self.fields["ward"].choices = [("", "All wards"), *wards]
        if not wards:
            self.fields[
                "ward"
            ].help_text = "Wards are listed once a local authority is chosen (select Show)."
        self.ward_names = dict(wards)
        self.fields["start"].choices = [("", "The first year"), *[(y, y) for y in years]]
        self.fields["end"].choices = [("", "The last year"), *[(y, y) for y in years]]
        self._style()

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and start > end:
            self.add_error("end", "The year to show to must be the same as or after the year from.")
        return data

    def choice(self) -> Choice:
        d = self.cleaned_data
        ward = d.get("ward") or None
        return Choice(
            area=self.areas[d["area"]],
            period_type=d["period_type"],
            ward=(ward, self.ward_names[ward]) if ward else None,
            first=d.get("start"),
            last=d.get("end"),
        )


class OverviewForm(Accessible, forms.Form):
    """Area and kind of period of the overview (every year is shown: the tiles' sparklines)."""

    area = _area_field()
    period_type = forms.ChoiceField(
        label="Periods",
        widget=forms.RadioSelect,
        choices=list(dashboard.PERIOD_TYPES.items()),
        error_messages={"invalid_choice": "Choose calendar years or financial years."},
    )

    def __init__(self, data, *, areas, **kwargs):
        super().__init__(data, **kwargs)
        self.areas = {a.id: a for a in areas}
        self.fields["area"].choices = [(a.id, _area_label(a)) for a in areas]
        self._style()

    def choice(self) -> Choice:
        d = self.cleaned_data
        return Choice(area=self.areas[d["area"]], period_type=d["period_type"])


class RecordsForm(FilterForm):
    """The filters and the measure whose rows are shown."""

    measure = forms.ChoiceField(
        label="Measure",
        help_text="The rows this measure counts.",
        error_messages={"invalid_choice": "Choose a measure from the list."},
    )

    field_order = ["measure", "area", "ward", "period_type", "start", "end"]

    def __init__(self, data, *, measures, **kwargs):
        super().__init__(data, **kwargs)
        self.measures = {m.id: m for m in measures}
        self.fields["measure"].choices = [(m.id, m.title) for m in measures]
        self.order_fields(self.field_order)
        self._style()


class MapForm(Accessible, forms.Form):
    """Area, measure and year of the maps."""

    area = _area_field()
    measure = forms.ChoiceField(
        label="Measure",
        help_text="Measures whose records carry an LSOA.",
        error_messages={"invalid_choice": "Choose a measure from the list."},
    )
    year = forms.TypedChoiceField(
        label="Year",
        coerce=int,
        help_text="Calendar year. Hotspots are found afresh for each year.",
        error_messages={
            "invalid_choice": "Choose a year from the list.",
            "required": "There is no year to choose: no data for this measure are loaded yet.",
        },
    )

    def __init__(self, data, *, areas, measures, years, **kwargs):
        super().__init__(data, **kwargs)
        self.areas = {a.id: a for a in areas}
        self.measures = {m.id: m for m in measures}
        self.fields["area"].choices = [(a.id, _area_label(a)) for a in areas]
        self.fields["measure"].choices = [(m.id, m.title) for m in measures]
        self.fields["year"].choices = [
            (y, f"{y}" if n == 12 else f"{y} ({n} months of data)") for y, n in years
        ]
        self._style()


def _area_label(area) -> str:
    return f"{area.name} (force area)" if area.is_force_area else area.name


@dataclass
class _Chosen:
    """A bound filter form and what the page must say about how the query was read."""

    form: FilterForm
    notices: list[str] = field(default_factory=list)

    @property
    def choice(self) -> Choice | None:
        return self.form.choice() if self.form.is_valid() else None


def _filters(request: HttpRequest, wh, version, *, records: bool = False) -> _Chosen:
    """The filter form bound to the query, with the choices the warehouse allows.

    The ward list belongs to the area chosen, so a ward left selected when the area changes (the
    form works without JavaScript) is dropped with a notice rather than refused.
    """
    areas = dashboard.areas()
    by_id = {a.id: a for a in areas}
    data = {"area": areas[0].id, "period_type": "calendar_year"} | request.GET.dict()
    area = by_id.get(data["area"], areas[0])
    wards = dashboard.wards(wh, version, area)
    notices = []
    if data.get("ward") and data["ward"] not in dict(wards):
        notices.append(f"The ward chosen is not in {area.name}: the whole area is shown.")
        data["ward"] = ""
    period_type = data["period_type"]
    if period_type not in dashboard.PERIOD_TYPES:
        period_type = "calendar_year"
    ward = (data["ward"], dict(wards)[data["ward"]]) if data.get("ward") else None
    choice = Choice(area, period_type, ward)
    if records:
        measures = dashboard.record_measures()
        by_id = {m.id: m for m in measures}
        data.setdefault("measure", measures[0].id if measures else "")
        measure = by_id.get(data["measure"])
        # the years of the measure's own source: no need to compute every measure first
        years = dashboard.record_years(wh, version, measure, choice) if measure else []
        form = RecordsForm(data, measures=measures, areas=areas, wards=wards, years=years)
        return _Chosen(form, notices)
    years = dashboard.area_years(wh, version, choice)
    return _Chosen(FilterForm(data, areas=areas, wards=wards, years=years), notices)


def _unavailable(request: HttpRequest, problem: WarehouseUnavailable) -> HttpResponse:
    response = render(
        request, "portal/dashboard/unavailable.html", {"message": str(problem)}, status=503
    )
    response["Retry-After"] = "60"
    return response


def _freshness(wh, version) -> dict:
    """The freshness line's context (portal/dashboard/_freshness.html), on every page."""
    feeds = dashboard.freshness(wh, version)
    held = [f for f in feeds if f.up_to is not None]
    return {
        "feeds_held": held,
        "feeds_latest": max(held, key=lambda f: f.up_to).up_to_text if held else "",
        "feeds_missing": [f for f in feeds if f.missing],
        "feeds_all": feeds,
    }


def _freshness_now() -> dict:
    """The freshness line's context, for a view that read the warehouse elsewhere."""
    with dashboard.reading() as wh:
        return _freshness(wh, dashboard.data_version(wh))


# ---- the overview -------------------------------------------------------------------------------


@require(Capability.VIEW_DASHBOARD)
@partial_main
def overview(request: HttpRequest) -> HttpResponse:
    """A tile per measure for the area and kind of period chosen, on one screen."""
    areas = dashboard.areas()
    data = {"area": areas[0].id, "period_type": "calendar_year"} | request.GET.dict()
    form = OverviewForm(data, areas=areas)
    choice = form.choice() if form.is_valid() else None
    try:
        with dashboard.reading() as wh:
            version = dashboard.data_version(wh)
            shown = dashboard.when_ready(
                wh, version, lambda v: dashboard.tiles(wh, v, choice) if choice else []
            )
            fresh = _freshness(wh, version)
    except WarehouseUnavailable as problem:
        return _unavailable(request, problem)
    tiles = shown.value
    return render(
        request,
        "portal/dashboard/overview.html",
        {
            "form": form,
            "choice": choice,
            "success": [t for t in tiles if t.measure.home_office],
            "others": [t for t in tiles if not t.measure.home_office],
            "synthetic": any(t.synthetic for t in tiles),
            "change_test": dashboard.CHANGE_TEST,
            "behind": shown.behind_load_at,
            "active": "overview",
            **fresh,
        },
    )


# ---- the measures -------------------------------------------------------------------------------


@require(Capability.VIEW_DASHBOARD)
@partial_main
def measures(request: HttpRequest) -> HttpResponse:
    """The measures of the area or ward chosen: headline tables, then a trend per measure."""
    try:
        with dashboard.reading() as wh:

            def make(version):
                chosen = _filters(request, wh, version)
                choice = chosen.choice
                return chosen, choice, dashboard.panels(wh, version, choice) if choice else []

            version = dashboard.data_version(wh)
            shown = dashboard.when_ready(wh, version, make)
            chosen, choice, panels = shown.value
            fresh = _freshness(wh, version)
    except WarehouseUnavailable as problem:
        return _unavailable(request, problem)
    ready = [p for p in panels if p.unavailable is None]
    return render(
        request,
        "portal/dashboard/measures.html",
        {
            "form": chosen.form,
            "notices": chosen.notices,
            "choice": choice,
            "success": [p for p in ready if p.measure.home_office],
            "others": [p for p in ready if not p.measure.home_office],
            "unavailable": [p for p in panels if p.unavailable is not None],
            "synthetic": any(p.synthetic for p in ready),
            "behind": shown.behind_load_at,
            # one denominator per level, named under the tables (svduty.reference.population)
            "area_population": denominator("la").source,
            "ward_population": denominator("ward").source,
            "active": "measures",
            **fresh,
        },
    )


# ---- the maps -----------------------------------------------------------------------------------


def _map(request: HttpRequest):
    """The maps' form bound to the query and, when it is valid, the map view (or None), with
    the time of a load the figures are from before (dashboard.when_ready)."""
    areas = dashboard.areas()
    measures_ = dashboard.mappable()
    with dashboard.reading() as wh:

        def make(version):
            data = {"area": areas[0].id} | request.GET.dict()
            by_id = {m.id: m for m in measures_}
            if measures_:
                data.setdefault("measure", measures_[0].id)
            measure = by_id.get(data.get("measure"))
            years = dashboard.map_years(wh, version, areas[0], measure) if measure else []
            if years and "year" not in data:
                data["year"] = str(dashboard.opening_year(years))
            form = MapForm(data, areas=areas, measures=measures_, years=years)
            if not form.is_valid():
                return form, None
            d = form.cleaned_data
            return form, dashboard.map_view(
                wh, version, form.areas[d["area"]], form.measures[d["measure"]], d["year"]
            )

        shown = dashboard.when_ready(wh, dashboard.data_version(wh), make)
    form, view = shown.value
    return form, view, shown.behind_load_at, not measures_


@require(Capability.VIEW_DASHBOARD)
@partial_main
def maps(request: HttpRequest) -> HttpResponse:
    """Rates by LSOA and Gi* hotspots of one measure in one area and year."""
    try:
        form, view, behind, no_measures = _map(request)
        fresh = _freshness_now()
    except WarehouseUnavailable as problem:
        return _unavailable(request, problem)
    return render(
        request,
        "portal/dashboard/maps.html",
        {"form": form, "view": view, "no_measures": no_measures, "active": "maps",
         "behind": behind, **fresh,
         # the interactive map's click on an LSOA chooses its local authority in the form
         "area_of_la": {a.la_codes[0]: a.id for a in dashboard.areas() if not a.is_force_area}},
    )  # fmt: skip


@require(Capability.VIEW_DASHBOARD)
def map_geojson(request: HttpRequest) -> HttpResponse:
    """The maps page's LSOAs as GeoJSON (boundaries and the figures its tables hold), for the
    interactive map: the same query, the same figures, nothing the page does not show."""
    try:
        form, view, _, _ = _map(request)
        if view is None:
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        with dashboard.reading() as wh:
            collection = dashboard.map_features(wh, view)
    except WarehouseUnavailable as problem:
        return JsonResponse({"error": str(problem)}, status=503, headers={"Retry-After": "60"})
    return JsonResponse(collection, content_type="application/geo+json")


# ---- record-level rows --------------------------------------------------------------------------


@require(Capability.VIEW_RECORDS)
@partial_main
def records(request: HttpRequest) -> HttpResponse:
    """One page of the rows a measure counts, for the area, ward and years chosen. Audited."""
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    try:
        with dashboard.reading() as wh:
            version = dashboard.data_version(wh)
            chosen = _filters(request, wh, version, records=True)
            form, choice = chosen.form, chosen.choice
            rows = None
            if choice is not None:
                measure = form.measures[form.cleaned_data["measure"]]
                rows = dashboard.records(wh, version, measure, choice, page)
            fresh = _freshness(wh, version)
    except WarehouseUnavailable as problem:
        return _unavailable(request, problem)
    detail = {"errors": sorted(form.errors)} if rows is None else {
        "measure": measure.id,
        **choice.as_detail(),
        "page": rows.page,
        "rows_shown": len(rows.rows),
        "rows_total": rows.total,
    }  # fmt: skip
    audit.record(request, AuditEvent.Action.RESTRICTED_VIEW, request.path, **detail)
    return render(
        request,
        "portal/dashboard/records.html",
        {
            "form": form,
            "notices": chosen.notices,
            "choice": choice,
            "measure": measure if rows is not None else None,
            "records": rows,
            "active": "records",
            **fresh,
        },
    )


@require(Capability.VIEW_RECORDS)
def records_csv(request: HttpRequest) -> HttpResponse:
    """Every row of the chosen measure for the filters, as CSV. Audited with the row count."""
    try:
        with dashboard.reading() as wh:
            version = dashboard.data_version(wh)
            chosen = _filters(request, wh, version, records=True)
            form, choice = chosen.form, chosen.choice
            if choice is None:
                return render(
                    request,
                    "portal/dashboard/records.html",
                    {"form": form, "notices": chosen.notices, "active": "records"},
                    status=400,
                )
            measure = form.measures[form.cleaned_data["measure"]]
            text, count = dashboard.records_csv(wh, version, measure, choice)
    except WarehouseUnavailable as problem:
        return _unavailable(request, problem)
    audit.record(
        request,
        AuditEvent.Action.DOWNLOAD,
        request.path,
        measure=measure.id,
        **choice.as_detail(),
        rows=count,
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="svduty-{measure.id}-{choice.area.id}-{stamp}.csv"'
    )
    return response


urlpatterns = [
    path("dashboard/overview/", overview, name="dashboard-overview"),
    path("dashboard/", measures, name="dashboard"),
    path("dashboard/map/", maps, name="dashboard-map"),
    path("dashboard/map.geojson", map_geojson, name="dashboard-map-geojson"),
    path("dashboard/records/", records, name="dashboard-records"),
    path("dashboard/records.csv", records_csv, name="dashboard-records-csv"),
]
