"""Each place-based intervention of the strategy against matched comparison areas
(:func:`svduty.analysis.evaluation.evaluate_place_based`), with its verdict word for word.

The measure is the first of the intervention's priority that is placed in LSOAs; the months
after the start run to December of the reviewed year and never later; an intervention that
starts after the reviewed year has nothing to evaluate yet.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import altair as alt
import pandas as pd

from svduty.analysis.evaluation import Evaluation, evaluate_place_based
from svduty.products import charts
from svduty.products.figure import Figure
from svduty.products.review.sources import LOCATED, SOURCES
from svduty.products.review.words import _lower, _month_name, _slug
from svduty.products.strategy import file as strategies
from svduty.reference import deprivation as indices
from svduty.reference.population import denominator

POOR_BALANCE = 0.25  # |standardised mean difference| above which groups are poorly balanced
_DID_COLUMNS = {
    "group": "Areas",
    "period": "Period",
    "areas": "LSOAs",
    "months": "Months",
    "events": "Events",
    "mean_count": "Events per LSOA per month",
    "rate": "Rate per 1,000 residents per year",
}
_BALANCE_COLUMNS = {
    "variable": "Variable",
    "treated_mean": "Treated mean",
    "candidates_mean": "All candidates mean",
    "comparators_mean": "Chosen comparators mean",
    "smd_before": "Standardised difference before matching",
    "smd_after": "Standardised difference after matching",
}
_VARIABLES = {
    "prior_rate": "Rate before the start per 1,000 residents",
    "prior_count": "Events before the start",
}


def _population_label(ev: Evaluation) -> str:
    """'mid-2018' on 2011 LSOAs, 'Census 2021' on 2021 LSOAs."""
    return denominator("lsoa").label if ev.lsoa_vintage == 2011 else "Census 2021"


def _variables(ev: Evaluation) -> dict[str, str]:
    """The balance table's variables in words, naming the index of deprivation used."""
    country = indices.INDICES[ev.deprivation_index].country
    return {
        "deprivation_rank": f"{ev.deprivation_index} rank (1 = most deprived in {country})",
        **_VARIABLES,
    }


@dataclass(frozen=True)
class InterventionResult:
    """A place-based intervention and what the data say about it."""

    priority: strategies.Priority
    intervention: strategies.Intervention
    measure: str
    measure_title: str
    evaluation: Evaluation | None
    can_tell: bool
    verdict: str
    figure: Figure | None

    @property
    def id(self) -> str:
        return "intervention-" + _slug(self.intervention.id)

    @property
    def did_table(self) -> pd.DataFrame:
        """The raw before/after x treated/comparison table, for readers."""
        return self.evaluation.did.table.rename(columns=_DID_COLUMNS)

    @property
    def index_country(self) -> str:
        """The country whose index of deprivation the areas were matched on."""
        return indices.INDICES[self.evaluation.deprivation_index].country

    @property
    def balance_table(self) -> pd.DataFrame:
        """How alike the treated and comparison areas are, for readers."""
        table = self.evaluation.matching.balance.rename(columns=_BALANCE_COLUMNS)
        return table.replace({"Variable": _variables(self.evaluation)})

    @property
    def balance_warning(self) -> str:
        """Words when matching left a variable poorly balanced (|SMD| over 0.25), else ''."""
        if self.evaluation is None:
            return ""
        balance = self.evaluation.matching.balance
        poor = balance[balance["smd_after"].abs() > POOR_BALANCE]
        if poor.empty:
            return ""
        names = _variables(self.evaluation)
        listed = ", ".join(
            f"{names.get(v, v)} (standardised difference {d:.2f})"
            for v, d in zip(poor["variable"], poor["smd_after"], strict=True)
        )
        return (
            f"The comparison areas differ from the treated ones on {listed}: read the estimate "
            "with extra caution, since the groups may not be comparable."
        )


def _intervention(wh, place, year, priority, intervention, catalogue, *, wh_measure):
    """Evaluate one place-based intervention on its priority's first located measure."""
    where_ = intervention.place_based
    measure = next((m for m in priority.measures if catalogue.get(m).source in LOCATED), wh_measure)
    start = where_.start_month
    title = catalogue.get(measure).title
    result = InterventionResult(priority, intervention, measure, title, None, False, "", None)
    if where_.start.year > year:
        said = (
            f"{intervention.name} starts in {_month_name(start)}, after {year}: there is nothing "
            "to evaluate in this review; the data cannot tell yet."
        )
        return dataclasses.replace(result, verdict=said)
    months_after = (year - where_.start.year) * 12 + 12 - where_.start.month + 1
    try:
        evaluation = evaluate_place_based(
            wh,
            lsoas=where_.lsoas,
            wards=where_.wards,
            start=start,
            measure=catalogue.get(measure),
            pfa_code=place.pfa_code,
            months_after=months_after,
        )
    except ValueError as exc:
        said = f"{intervention.name} could not be evaluated, so the data cannot tell: {exc}"
        return dataclasses.replace(result, verdict=said)
    return dataclasses.replace(
        result,
        evaluation=evaluation,
        can_tell=evaluation.can_tell,
        verdict=evaluation.verdict,
        figure=_intervention_figure(intervention, evaluation, result.id),
    )


def _intervention_figure(intervention, ev: Evaluation, anchor: str) -> Figure:
    """Treated and matched comparison areas, monthly rate per 1,000 residents per year."""
    panel = ev.panel.assign(group=ev.panel["treated"].map({True: "Treated", False: "Comparison"}))
    monthly = panel.groupby(["group", "month"], as_index=False)[["count", "population"]].sum()
    monthly["rate"] = monthly["count"] / (monthly["population"] / 12) * 1000
    monthly["when"] = pd.to_datetime(monthly["month"] + "-01")
    monthly = monthly.sort_values(["group", "month"], ascending=[False, True])
    chart = charts.trend(
        monthly,
        "when",
        "rate",
        series="group",
        series_title="Areas",
        y_title="Rate per 1,000 residents per year",
        x_title="Month",
    )
    start = pd.DataFrame({"when": [pd.Timestamp(ev.start + "-01")], "label": ["Start"]})
    rule = alt.Chart(start).mark_rule(strokeDash=[4, 4], color="#0b0c0c").encode(x="when:T")
    text = alt.Chart(start).mark_text(align="left", dx=4, y=8).encode(x="when:T", text="label:N")
    table = monthly[["month", "group", "count", "population", "rate"]].rename(
        columns={
            "month": "Month",
            "group": "Areas",
            "count": "Events",
            "population": f"Residents ({_population_label(ev)})",
            "rate": "Rate per 1,000 residents per year",
        }
    )
    return Figure(
        id=anchor,
        title=f"{intervention.name}: {_lower(ev.title)} in the treated and comparison LSOAs",
        alt=ev.verdict,
        table=table.reset_index(drop=True),
        source=(
            f"{SOURCES.get(ev.source, ev.source)}; {ev.population_source}; "
            f"{indices.INDICES[ev.deprivation_index].source}"
        ),
        chart=alt.layer(chart, rule, text),
        definition_version=ev.definition_version,
        synthetic=ev.synthetic,
        notes=ev.caveats,
    )
