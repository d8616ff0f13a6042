"""The annual review's public page: progress against the strategy, from gated figures only.

The partnership's review (``svduty review``) is internal: it compares part years month by
month and quotes exact counts, tables the gate never saw. Its public page is made here from what
the site already publishes: for each measure of the strategy, the baseline year and the latest
published year as released by the gate, the latest compared with the baseline (whether its 95%
interval excludes the baseline's rate, as the site compares areas), the strategy's target in
words, and the actions' progress, which are the strategy's own words. One period type is shown
(the site's: financial years by default), named in every table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from svduty.products.area import Area
from svduty.products.site.gate import Gate, GatedTable, RowSpec, count_key
from svduty.products.site.series import Series
from svduty.products.strategy import file as strategies

__all__ = ["MeasureProgress", "Progress", "progress"]

_STATUS_WORDS = {s: s.replace("_", " ").capitalize() for s in strategies.ACTION_STATUSES}
# the gate's comparison words, said of the latest year against the baseline
_VERSUS = {"Higher": "higher than", "Lower": "lower than", "Similar": "similar to"}


@dataclass(frozen=True)
class MeasureProgress:
    title: str
    anchor: str
    table: GatedTable | None  # baseline and latest year, or None when there is nothing to show
    said: str  # the latest year against the baseline, in words
    target: str  # the strategy's target in words, or ""


@dataclass(frozen=True)
class Progress:
    strategy: strategies.Strategy
    baseline: int
    baseline_rule: str
    period_note: str  # a latest year outside the strategy's period, said plainly; else ""
    measures: tuple[MeasureProgress, ...]
    actions: tuple[tuple[str, int], ...]  # (status words, count), every status
    overdue: int
    as_of: str

    @property
    def tables(self) -> list[GatedTable]:
        return [m.table for m in self.measures if m.table is not None]


def progress(
    gate: Gate,
    plan: strategies.Strategy,
    series: dict[str, Series],
    area: Area,
    *,
    pfa_code: str,
    unit,
    digits,
    period_words: str,
    today: date | None = None,
    names: dict[str, str] | None = None,
) -> Progress:
    """The public review of ``area`` against ``plan`` from the site's released figures.

    ``unit`` and ``digits`` give a series' rate unit and rounding as the measures page shows
    them, so the review's tables read as that page's do. ``names``: each area code's name as
    the partnership file gives it (the site names every area one way).
    """
    today = today or date.today()
    measures = []
    latest_years = []
    for measure_id in dict.fromkeys(m for p in plan.priorities for m in p.measures):
        s = series.get(measure_id)
        target = plan.target(measure_id)
        target_words = f"Target: {target.text()}." if target else ""
        if s is None:
            measures.append(
                MeasureProgress(
                    measure_id, f"review-{measure_id}", None,
                    "Not published on this site: no complete year of it to show.", target_words,
                )
            )  # fmt: skip
            continue
        row, said, year = _measure(
            gate, s, area, plan.baseline, pfa_code, unit, digits, names or {}
        )
        if year is not None:
            latest_years.append(year)
        measures.append(
            MeasureProgress(s.measure.title, f"review-{measure_id}", row, said, target_words)
        )
    summary = strategies.action_summary(plan, today)
    outside = sorted({y for y in latest_years if not plan.covers(y)})
    note = ""
    if outside:
        first, last = plan.years
        note = (
            f"The latest published figures of {len([y for y in latest_years if y in outside])} "
            f"of the measures (by {period_words}, latest {outside[-1]}) are from outside the "
            f"strategy's period ({first} to {last}): they show where those measures stood, not "
            "what the strategy has done yet."
        )
    return Progress(
        strategy=plan,
        baseline=plan.baseline,
        baseline_rule=strategies.BASELINE_RULE,
        period_note=note,
        measures=tuple(measures),
        actions=tuple((_STATUS_WORDS[k], n) for k, n in summary.counts.items()),
        overdue=len(summary.overdue),
        as_of=f"{today.day} {today:%B %Y}",
    )


def _measure(gate, s: Series, area: Area, baseline: int, pfa_code: str, unit, digits, names):
    """The gated table of the baseline and latest year, the words, and the latest year."""
    code = area.code if area.code in s.areas else pfa_code
    base_period = next((p for p in s.periods if p[:4] == str(baseline)), None)
    latest = s.latest(code)
    if latest is None:
        return None, "No published figure for this area.", None
    name = names.get(code) or latest.get("area_name") or area.name
    period = latest["period"]
    where = "" if code == area.code else f" (for {name}: not published for {area.name})"
    if base_period is None or s.row(code, base_period) is None:
        return (
            None,
            f"No published figure for the baseline year {baseline}{where}: the site publishes "
            "only years the data cover in full.",
            None,
        )
    base = s.row(code, base_period)
    m = s.measure
    specs = [RowSpec({"area": name, "period": base_period}, count_key(m.id, code, base_period),
                     base["denominator"])]  # fmt: skip
    if period != base_period:
        specs.append(
            RowSpec(
                {"area": name, "period": period},
                count_key(m.id, code, period),
                latest["denominator"],
                (count_key(m.id, code, base_period), base["denominator"]),
            )
        )
    table = gate.table(
        id=f"{area.id}/review/{m.id}",
        title=f"{m.title}: {name}, {base_period} and {period}",
        measure=m,
        label_columns=(("area", "Area"), ("period", "Period")),
        rows=specs,
        synthetic=s.synthetic,
        rate_unit=unit(s),
        rate_digits=digits(s),
        comparator=base_period,
    )
    compared = table.rows[-1].compared if period != base_period else None
    if compared in _VERSUS:
        good = (compared == "Lower") == (m.polarity == "low_is_good")
        verdict = "" if compared == "Similar" else (" (better)" if good else " (worse)")
        said = f"In {period} the rate was {_VERSUS[compared]} in {base_period}{verdict}{where}."
    elif period == base_period:
        said = f"The latest published year is the baseline year itself{where}."
    else:
        said = f"In {period} the rate cannot be compared with {base_period}: a figure is withheld."
    return table, said, int(period[:4])
