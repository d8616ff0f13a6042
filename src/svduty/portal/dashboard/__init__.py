"""What the dashboards show: the measures of an area or ward with their trends, maps of rates and
hotspots, and the record-level rows behind a measure, read from the warehouse through the
analysis layer and kept in memory between page views.

- ``opening``: the warehouse opened for one page's reading (portal.reading), and its data
  version;
- ``caching``: the bounded in-process caches, keyed by the warehouse and its data version (a new
  load changes the version, so the next view computes afresh), and ``shared`` the same results
  kept on disk for every process; ``warming``: the worker computing them after each load;
  ``catching_up``: what a view shows until it has;
- ``configured``: the portal's svduty settings, the partnership's areas, the measures catalogue;
- ``geography``: the LSOAs and wards of an area; ``choice``: what the person chose;
- ``results``: the measures' results per area and a measure's counts by LSOA;
  ``ward_measures``: the measures of one ward;
- ``measure_panels`` and ``trends``: the measures page, a panel and a trend chart per measure;
- ``mapping``: the maps page (rates by LSOA and Gi* hotspots);
- ``record_rows``: the rows behind a measure, a page at a time or as CSV;
- ``results_table``: the table of every measure's results by area, kind of period and period,
  written by the worker after each load; ``overview``: the overview's tiles, read from it;
- ``freshness``: which feeds hold data, up to when, and which are missing;
- ``wording``: how numbers and sources are worded.
"""

from svduty.portal.dashboard.caching import Memo, forget
from svduty.portal.dashboard.catching_up import Shown, when_ready
from svduty.portal.dashboard.choice import PERIOD_TYPES, Choice
from svduty.portal.dashboard.configured import areas, catalogue
from svduty.portal.dashboard.freshness import freshness
from svduty.portal.dashboard.geography import wards
from svduty.portal.dashboard.mapping import (
    MapView,
    map_features,
    map_view,
    map_years,
    mappable,
    opening_year,
)
from svduty.portal.dashboard.measure_panels import Panel, area_years, panels
from svduty.portal.dashboard.opening import WarehouseUnavailable, data_version, reading
from svduty.portal.dashboard.overview import CHANGE_TEST, Tile, tiles
from svduty.portal.dashboard.record_rows import (
    RECORDS_PER_PAGE,
    Records,
    age_band,
    record_measures,
    records,
    records_csv,
)
from svduty.portal.dashboard.results import record_years
from svduty.portal.dashboard.wording import table_cells

__all__ = [
    "CHANGE_TEST",
    "PERIOD_TYPES",
    "RECORDS_PER_PAGE",
    "Choice",
    "MapView",
    "Memo",
    "Panel",
    "Records",
    "Shown",
    "Tile",
    "WarehouseUnavailable",
    "age_band",
    "area_years",
    "areas",
    "catalogue",
    "data_version",
    "forget",
    "freshness",
    "map_features",
    "map_view",
    "map_years",
    "mappable",
    "opening_year",
    "panels",
    "reading",
    "record_measures",
    "record_years",
    "records",
    "records_csv",
    "table_cells",
    "tiles",
    "wards",
    "when_ready",
]
