"""Proportions with Wilson limits against PHEindicatormethods' testdata_Proportion.xlsx.

Sheet testdata_Prop: inputs and expected outputs per row (proportions, percentages, missing
inputs); sheet testdata_Prop_g: expected results after summing the rows by Area. Expected values
are the reference's own.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from svduty.analysis.stats import proportion, proportions

FIXTURES = Path(__file__).parent / "fixtures" / "phe"
TOLERANCE = {"rel": 1e-6, "abs": 1e-12}

PROP = pd.read_excel(FIXTURES / "testdata_Proportion.xlsx", sheet_name="testdata_Prop")
GROUPED = pd.read_excel(FIXTURES / "testdata_Proportion.xlsx", sheet_name="testdata_Prop_g")
LIMITS = ["value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]


def _same(got, expected) -> bool:
    if pd.isna(expected):
        return pd.isna(got)
    return got == pytest.approx(expected, **TOLERANCE)


def test_fixture_shape():
    assert len(PROP) == 19 and len(GROUPED) == 11


@pytest.mark.parametrize(
    "row", [pytest.param(r, id=f"{r.Area}-x{r.multiplier:g}") for _, r in PROP.iterrows()]
)
def test_reference_proportions(row):
    got = proportions([row.Numerator], [row.Denominator], row.multiplier).iloc[0]
    for column in LIMITS:
        assert _same(got[column], row[column]), (column, got[column], row[column])
    assert got["method"] == row.method


def _sum_or_missing(values: pd.Series) -> float:
    return values.sum() if values.notna().all() else math.nan


SUMMED = PROP.groupby("Area").agg(
    Numerator=("Numerator", _sum_or_missing), Denominator=("Denominator", _sum_or_missing)
)


@pytest.mark.parametrize("row", [pytest.param(r, id=r.Area) for _, r in GROUPED.iterrows()])
def test_reference_grouped_proportions(row):
    inputs = SUMMED.loc[row.Area]
    assert _same(inputs.Numerator, row.Numerator) and _same(inputs.Denominator, row.Denominator)
    got = proportions([inputs.Numerator], [inputs.Denominator], row.multiplier).iloc[0]
    assert _same(got["value"], row.value)
    assert _same(got["lower95_0cl"], row.lowercl)
    assert _same(got["upper95_0cl"], row.uppercl)


def test_proportion_of_zero_and_of_one():
    none = proportion(0, 40)
    assert none.value == 0 and none.lower_95 == 0 and none.lower_998 == 0
    assert 0 < none.upper_95 < none.upper_998 < 1
    # Wilson's upper limit for 0/n has the closed form z^2 / (n + z^2)
    z2 = 1.959963984540054**2
    assert none.upper_95 == pytest.approx(z2 / (40 + z2), rel=1e-12)
    every = proportion(40, 40, multiplier=100)
    assert every.value == 100 and every.upper_95 == 100 and every.upper_998 == 100
    assert every.lower_95 == pytest.approx(100 * 40 / (40 + z2), rel=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: proportions([-65], [100]), "numerators must all be greater than or equal"),
        (lambda: proportions([65], [-100]), "denominators must all be greater than zero"),
        (lambda: proportions([65], [0]), "denominators must all be greater than zero"),
        (lambda: proportions([101, 80], [100, 100]), "less than or equal to denominators"),
        (lambda: proportions([5, 65, 90, 98], [100, 100]), "lengths differ"),
        (lambda: proportion(65, 100, multiplier=-1), "multiplier"),
    ],
)
def test_invalid_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()
