"""Crude rates against PHEindicatormethods' testdata_Rate.xlsx; comparisons of two rates.

Sheet testdata_Rate holds inputs and expected outputs on each row (rows for a multiplier of 100,
of 100,000, missing inputs, and a numerator above its denominator); sheet testdata_Rate_g holds
the expected results when the rows are summed by Area first, as the reference test does with
grouped data. Expected values are the reference's own.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.rates import confint_poisson_2indep

from svduty.analysis.stats import (
    crude_rate,
    crude_rates,
    percentage_change,
    rate_difference,
    rate_ratio,
)

FIXTURES = Path(__file__).parent / "fixtures" / "phe"
TOLERANCE = {"rel": 1e-6, "abs": 1e-12}

RATE = pd.read_excel(FIXTURES / "testdata_Rate.xlsx", sheet_name="testdata_Rate")
GROUPED = pd.read_excel(FIXTURES / "testdata_Rate.xlsx", sheet_name="testdata_Rate_g")

LIMITS = ["value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]


def _same(got, expected) -> bool:
    if pd.isna(expected):
        return pd.isna(got)
    return got == pytest.approx(expected, **TOLERANCE)


def _method(value):
    return None if pd.isna(value) else value


def test_fixture_shape():
    assert len(RATE) == 20 and len(GROUPED) == 12


@pytest.mark.parametrize(
    "row", [pytest.param(r, id=f"{r.Area}-per{r.multiplier:g}") for _, r in RATE.iterrows()]
)
def test_reference_rates(row):
    got = crude_rates([row.Numerator], [row.Denominator], row.multiplier).iloc[0]
    for column in LIMITS:
        assert _same(got[column], row[column]), (column, got[column], row[column])
    assert got["method"] == _method(row.method)


def _sum_or_missing(values: pd.Series) -> float:
    return values.sum(min_count=1) if values.notna().all() else math.nan


SUMMED = (
    RATE.groupby("Area", sort=True)
    .agg(Numerator=("Numerator", _sum_or_missing), Denominator=("Denominator", _sum_or_missing))
    .reset_index()
)


@pytest.mark.parametrize("row", [pytest.param(r, id=r.Area) for _, r in GROUPED.iterrows()])
def test_reference_grouped_rates(row):
    inputs = SUMMED.set_index("Area").loc[row.Area]
    assert _same(inputs.Numerator, row.Numerator) and _same(inputs.Denominator, row.Denominator)
    got = crude_rates([inputs.Numerator], [inputs.Denominator], row.multiplier).iloc[0]
    assert _same(got["value"], row.value)
    assert _same(got["lower95_0cl"], row.lowercl)
    assert _same(got["upper95_0cl"], row.uppercl)
    assert got["method"] == _method(row.method)


def test_single_rate_result():
    r = crude_rate(65, 100, multiplier=100)
    assert r.method == "Byars"
    assert r.value == 65
    assert r.lower_95 == pytest.approx(50.163187710459454, rel=1e-9)
    assert r.upper_998 == pytest.approx(94.00029084431802, rel=1e-9)


def test_pandas_nullable_input():
    got = crude_rates(pd.Series([5, None], dtype="Int64"), pd.Series([100, 100], dtype="Int64"))
    assert got["value"].iloc[0] == 5000 and pd.isna(got["value"].iloc[1])
    assert list(got["method"]) == ["Exact", None]


def test_zero_events_use_the_exact_method():
    r = crude_rate(0, 1000, multiplier=1000)
    assert r.method == "Exact" and r.value == 0 and r.lower_95 == 0
    assert r.upper_95 == pytest.approx(-math.log(0.025), rel=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: crude_rates([-65], [100]), "numerators must all be greater than or equal"),
        (lambda: crude_rates([65], [-100]), "denominators must all be greater than zero"),
        (lambda: crude_rates([65], [0]), "denominators must all be greater than zero"),
        (lambda: crude_rates([65, 80, 30], [100, 100]), "lengths differ"),
        (lambda: crude_rates([65], [100], multiplier=0), "multiplier"),
        (lambda: crude_rate([65, 1], [100, 2]), "one numerator"),
        (lambda: rate_ratio(10, 100, 5, 100, confidence=0.9), "confidence must be"),
        (lambda: rate_ratio(-1, 100, 5, 100), "greater than or equal to zero"),
        (lambda: rate_difference(1, 0, 5, 100), "greater than zero"),
        (lambda: percentage_change(1, 10, None, 100), "missing"),
    ],
)
def test_invalid_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# Comparisons of two rates, checked against statsmodels' implementations of the same methods.


@pytest.mark.parametrize(("o1", "n1", "o2", "n2"), [(30, 10000, 20, 12000), (3, 500, 41, 900)])
@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_rate_ratio_matches_statsmodels_wald_log(o1, n1, o2, n2, confidence):
    expected = confint_poisson_2indep(
        o1, n1, o2, n2, method="wald-log", compare="ratio", alpha=1 - confidence
    )
    got = rate_ratio(o1, n1, o2, n2, confidence=confidence)
    assert got.value == pytest.approx((o1 / n1) / (o2 / n2), rel=1e-12)
    assert (got.lower, got.upper) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("o1", "n1", "o2", "n2"), [(30, 10000, 20, 12000), (0, 500, 41, 900)])
def test_rate_difference_matches_statsmodels_wald(o1, n1, o2, n2):
    expected = confint_poisson_2indep(o1, n1, o2, n2, method="wald", compare="diff", alpha=0.05)
    got = rate_difference(o1, n1, o2, n2, multiplier=100_000)
    assert got.value == pytest.approx((o1 / n1 - o2 / n2) * 100_000, rel=1e-12)
    assert (got.lower, got.upper) == pytest.approx([e * 100_000 for e in expected], rel=1e-9)


def test_percentage_change_follows_the_ratio_interval():
    ratio = confint_poisson_2indep(
        30, 10000, 20, 12000, method="wald-log", compare="ratio", alpha=0.05
    )
    got = percentage_change(30, 10000, 20, 12000)
    assert got.value == pytest.approx(80.0, rel=1e-12)
    assert got.lower == pytest.approx(100 * (ratio[0] - 1), rel=1e-9)
    assert got.upper == pytest.approx(100 * (ratio[1] - 1), rel=1e-9)
    fall = percentage_change(80, 100_000, 100, 100_000)
    assert fall.value == pytest.approx(-20.0) and fall.lower < -20 < fall.upper


def test_ratio_with_no_events_has_no_limits():
    got = rate_ratio(0, 100, 5, 100)
    assert got.value == 0 and math.isnan(got.lower) and math.isnan(got.upper)
    assert "at least one event" in got.note
    assert math.isnan(rate_ratio(3, 100, 0, 100).value)
