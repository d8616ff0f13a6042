"""The dashboards' data computed by the background worker straight after each load (and when it
starts), so that the people reading the dashboards find them ready in the shared results
(shared.SharedResults) instead of computing them while they wait (docs/concurrency.md, point 7).

What a view of the measures page needs: the LSOA reference and geography of the force area,
every measure's results for it (one frame serves the force area and each of its local
authorities), each record-level measure's counts by LSOA (its years, the wards and the maps
count from them), and the panels of each area's page over every year, calendar and financial
(a range of years is cut from those), and each area's map as it opens; and the table of every
measure's results by area, kind of period and period that the overview reads (results_table),
and the overview's tiles of each area and kind of period.
Results a load did not change are found on disk and not computed again.
"""

from __future__ import annotations

import logging
import time

from svduty.portal.dashboard.catching_up import record_warmed
from svduty.portal.dashboard.choice import PERIOD_TYPES, Choice
from svduty.portal.dashboard.configured import areas, catalogue, config
from svduty.portal.dashboard.geography import geography, lsoas
from svduty.portal.dashboard.mapping import map_view, map_years, mappable, opening_year
from svduty.portal.dashboard.measure_panels import panels
from svduty.portal.dashboard.opening import data_version, reading
from svduty.portal.dashboard.overview import tiles
from svduty.portal.dashboard.results import PLACED_SOURCES, area_results, has_rows, months
from svduty.portal.dashboard.results_table import results_table
from svduty.settings import Config

__all__ = ["warm"]

log = logging.getLogger(__name__)


def warm(cfg: Config | None = None) -> dict:
    """Compute (or find) the dashboards' data for the warehouse as it is now. Returns the data
    version's number of sources, the measures warmed and the seconds it took."""
    cfg = cfg or config()
    started = time.monotonic()
    force_areas = {area.pfa_code: area for area in areas(cfg)}.values()
    measures = catalogue(cfg).measures
    with reading() as wh:
        version = data_version(wh)
        for area in force_areas:
            lsoas(wh, version, area.pfa_code)
            geography(wh, version, area)
            area_results(wh, version, cfg, area)  # the measures a load changed, together
            results_table(wh, version, cfg, area)  # what the overview reads
            for m in measures:
                if m.source in PLACED_SOURCES and has_rows(wh, m.source):
                    months(wh, version, m, area.pfa_code)
        for area in areas(cfg):
            for period_type in PERIOD_TYPES:
                panels(wh, version, Choice(area, period_type), cfg)
                tiles(wh, version, Choice(area, period_type), cfg)
        # each area's map as it opens (its first measure, the latest whole year): drawn once
        # here rather than by each web worker's first reader
        opening = next(iter(mappable(cfg)), None)
        years = map_years(wh, version, areas(cfg)[0], opening) if opening else []
        if years:
            for area in areas(cfg):
                map_view(wh, version, area, opening, opening_year(years))
        record_warmed(wh, version)  # readers catching up with this load can show it now
    took = round(time.monotonic() - started, 2)
    log.info("dashboards warmed: %d measures in %.2f s", len(measures), took)
    return {"sources": len(version.loads), "measures": len(measures), "seconds": took}
