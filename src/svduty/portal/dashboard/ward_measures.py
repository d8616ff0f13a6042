"""The measures of one ward: the record-level measures that place rows in LSOAs, counted for the
ward's LSOAs, with rates, changes and trends worked out as the measures do for areas."""

from __future__ import annotations

import pandas as pd

from svduty.analysis.measures.catalogue import Catalogue, Measure
from svduty.analysis.measures.compute import ANNUAL
from svduty.analysis.stats import crude_rates, percentage_change, recent_trend
from svduty.portal.dashboard.caching import DATA, key
from svduty.portal.dashboard.choice import Choice, period
from svduty.portal.dashboard.configured import catalogue, catalogue_stamp
from svduty.portal.dashboard.geography import lsoas, ward_lsoas
from svduty.portal.dashboard.results import PLACED_SOURCES, counts, has_rows
from svduty.portal.dashboard.trends import values
from svduty.settings import Config
from svduty.warehouse import Warehouse

__all__ = ["ward_results"]


def ward_results(wh: Warehouse, version, cfg: Config, choice: Choice) -> pd.DataFrame:
    """The record-level measures that place rows in LSOAs, counted for one ward.

    Rates use the ward denominator (``svduty.reference.population.denominator("ward")``: ONS
    mid-2018 residents, as svduty.analysis.evidence.where does);
    under-25 measures have counts only (no under-25 figures for 2011 LSOAs are bundled). As for
    areas, a period the source does not wholly cover keeps its count but has no rate, change or
    trend.
    """
    area, (ward_code, ward_name) = choice.area, choice.ward

    def make() -> pd.DataFrame:
        cat = catalogue(cfg)
        in_ward = ward_lsoas(wh, version, area, ward_code)
        ref = lsoas(wh, version, area.pfa_code)
        residents = ref.loc[ref["lsoa_code"].isin(in_ward), "population"].sum(min_count=1)
        rows = []
        for m in cat.measures:
            if m.source not in PLACED_SOURCES or not has_rows(wh, m.source):
                continue
            got = counts(wh, version, m, area.pfa_code)
            for period_type in ANNUAL:
                rows += _ward_rows(got, in_ward, residents, m, cat, period_type)
        for r in rows:
            r.update(area_code=ward_code, area_name=f"{ward_name} ward")
        return pd.DataFrame(rows)

    placed = tuple(version.of(m) for m in catalogue(cfg).measures if m.source in PLACED_SOURCES)
    return DATA.get(key(wh, placed, "ward", ward_code, catalogue_stamp(cfg)), make)


def _ward_rows(counts, lsoas, residents, m: Measure, cat: Catalogue, period_type) -> list[dict]:
    frame = counts.frame[counts.frame["lsoa"].isin(lsoas)]
    periods: dict[str, dict] = {}
    for month in counts.months_covered:
        label, start, end = period(month, period_type)
        p = periods.setdefault(label, {"start": start, "end": end, "months": 0, "count": 0})
        p["months"] += 1
    for month, n in frame.groupby("month")["count"].sum().items():
        periods[period(month, period_type)[0]]["count"] += int(n)
    population = None if m.under_25 or m.denominator == "none" else residents
    if population is not None and not population > 0:
        population = None
    baseline = str(m.baseline_year or cat.baseline_year)
    if period_type == "financial_year":
        baseline = f"{baseline}/{str(int(baseline) + 1)[2:]}"
    base = periods.get(baseline)
    base_ok = base is not None and base["months"] == 12 and base["count"] > 0
    rows = []
    for label, p in sorted(periods.items(), key=lambda kv: kv[1]["start"]):
        complete = p["months"] == 12
        rate = lower = upper = None
        if complete and population is not None:
            r = crude_rates([p["count"]], [population], m.multiplier).iloc[0]
            rate, lower, upper = (float(r[c]) for c in ("value", "lower95_0cl", "upper95_0cl"))
        change = None
        if complete and base_ok and label != baseline:
            change = percentage_change(p["count"], population or 1.0, base["count"],
                                       population or 1.0)  # fmt: skip
        rows.append(
            {
                "measure": m.id,
                "title": m.title,
                "source": m.source,
                "synthetic": counts.synthetic,
                "definition": counts.definition_version,
                "period_type": period_type,
                "period": label,
                "period_start": p["start"].isoformat(),
                "period_end": p["end"].isoformat(),
                "complete": complete,
                "months_covered": p["months"],
                "count": p["count"],
                "suppressed": False,
                "denominator": population,
                "multiplier": m.multiplier,
                "rate": rate,
                "lower_95": lower,
                "upper_95": upper,
                "baseline": baseline if change is not None else None,
                "change_pct": change.value if change else None,
                "change_lower": change.lower if change else None,
                "change_upper": change.upper if change else None,
                "trend": None,
                "compared_with": None,
                "comparison": None,
                "caveats": counts.caveats(),
            }
        )
    _ward_trends(rows, m)
    return rows


def _ward_trends(rows: list[dict], m: Measure) -> None:
    """The recent-trend marker on each complete row, from it and the complete rows before it (as
    compute does for areas); counts stand in for rates where there is no population."""
    polarity = None if m.polarity == "none" else m.polarity
    done = [r for r in rows if r["complete"]]
    for i, r in enumerate(done):
        upto = done[max(0, i - 4) : i + 1]
        if len(upto) < 5:
            continue
        found, lower, upper = values(pd.DataFrame(upto))
        if found.isna().any():
            continue
        result = recent_trend(
            [int(u["period_start"][:4]) for u in upto],
            values=found.to_numpy(),
            lower=lower.to_numpy(),
            upper=upper.to_numpy(),
            polarity=polarity,
        )
        r["trend"] = result.label
