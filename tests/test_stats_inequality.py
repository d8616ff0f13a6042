"""Slope and relative index of inequality against PHEindicatormethods' testdata_SII.xlsx.

Each test block in the sheet is 10 quantiles of one area (5 for the quintile test), two areas
per TestDescription; the first row of each area holds the expected SII, RII, confidence limits
and (for the intercept tests) the intercept. The parameters each block was produced with come
from the reference's test script (tests/testthat/testSII.R) and are listed in PARAMETERS.

SII, RII and intercept are deterministic and must match to 1e-6. The confidence limits come
from simulation (in the reference too, with its own random draws), so they are checked with a
fixed seed and 20,000 draws to 3%, the size of the Monte Carlo error (the reference's own test
allows 5%).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from svduty.analysis.stats import slope_index_of_inequality

FIXTURES = Path(__file__).parent / "fixtures" / "phe"
SII = pd.read_excel(FIXTURES / "testdata_SII.xlsx")

# first RecordNo of a block -> (value type, multiplier, transform, confidence of limits "_1")
PARAMETERS = {
    1: ("other", 1, False, 0.95),
    21: ("other", 1, False, 0.99),
    41: ("other", 1, False, 0.95),
    61: ("other", 1, False, 0.95),
    71: ("rate", 1, False, 0.95),
    91: ("proportion", 1, False, 0.95),
    111: ("proportion", 100, False, 0.95),
    131: ("proportion", -100, False, 0.95),
    226: ("other", 1, False, 0.95),
    246: ("other", 1, False, 0.95),
    266: ("rate", 1, False, 0.95),
    # the reference runs this proportion block with value_type = 1 (rate)
    286: ("rate", 1, False, 0.95),
    306: ("rate", 1, True, 0.95),
    326: ("proportion", 1, True, 0.95),
    346: ("proportion", -1, True, 0.95),
    366: ("rate", 1, True, 0.95),
    386: ("rate", -1, True, 0.95),
    406: ("rate", 1, True, 0.98),
    426: ("rate", 1, True, 0.95),
    446: ("proportion", 1, True, 0.95),
    466: ("proportion", 1, True, 0.98),
    486: ("proportion", 1, True, 0.95),
}

EXPECTED = SII[SII.sii.notna()]


def _block(first: int) -> tuple[pd.DataFrame, tuple]:
    row = SII[SII.RecordNo == first].iloc[0]
    size = 5 if row.TestDescription == "default - testing quintiles" else 10
    start = max(k for k in PARAMETERS if k <= first)
    rows = SII[(SII.RecordNo >= first) & (SII.RecordNo < first + size)]
    return rows, PARAMETERS[start]


CASES = [
    pytest.param(int(r.RecordNo), id=f"record{int(r.RecordNo)}-{r.TestDescription[:40]}")
    for _, r in EXPECTED.iterrows()
]


def test_every_expected_block_has_parameters():
    assert len(EXPECTED) == 44
    for first in EXPECTED.RecordNo:
        rows, _ = _block(int(first))
        assert rows.Area.nunique() == 1 and rows.Quantile.tolist() == sorted(rows.Quantile)


@pytest.mark.parametrize("first", CASES)
def test_reference_sii_rii_intercept(first):
    rows, (value_type, multiplier, transform, _) = _block(first)
    expected = rows.iloc[0]
    got = slope_index_of_inequality(
        rows.Population,
        rows.Value,
        value_type=value_type,
        multiplier=multiplier,
        transform=transform,
    )
    assert got.sii == pytest.approx(expected.sii, rel=1e-6)
    if not pd.isna(expected.rii):
        assert got.rii == pytest.approx(expected.rii, rel=1e-6)
    if not pd.isna(expected.Intercept):
        assert got.intercept == pytest.approx(expected.Intercept, rel=1e-6)
    assert math.isnan(got.sii_lower)  # no standard errors given, no limits


SIMULATED = [
    c
    for c in CASES
    if _block(c.values[0])[1][3] == 0.95
    and not pd.isna(SII[SII.RecordNo == c.values[0]].iloc[0].sii_lowercl_1)
]


@pytest.mark.parametrize("first", SIMULATED)
def test_reference_limits_by_simulation(first):
    rows, (value_type, multiplier, transform, confidence) = _block(first)
    expected = rows.iloc[0]
    got = slope_index_of_inequality(
        rows.Population,
        rows.Value,
        value_type=value_type,
        lower=rows.LowerCL,
        upper=rows.UpperCL,
        multiplier=multiplier,
        transform=transform,
        confidence=confidence,
        repetitions=20_000,
        seed=20240601,
    )
    pairs = [
        (got.sii_lower, expected.sii_lowercl_1),
        (got.sii_upper, expected.sii_uppercl_1),
        (got.rii_lower, expected.rii_lowercl_1),
        (got.rii_upper, expected.rii_uppercl_1),
    ]
    for ours, theirs in pairs:
        if not pd.isna(theirs):
            assert ours == pytest.approx(theirs, rel=0.03)


def test_standard_errors_and_limits_give_the_same_simulation():
    rows, _ = _block(1)
    by_se = slope_index_of_inequality(
        rows.Population, rows.Value, standard_errors=rows.StandardError, seed=7, repetitions=5000
    )
    by_cl = slope_index_of_inequality(
        rows.Population,
        rows.Value,
        lower=rows.LowerCL,
        upper=rows.UpperCL,
        seed=7,
        repetitions=5000,
    )
    assert by_se.sii_lower == pytest.approx(by_cl.sii_lower, rel=1e-3)
    assert by_se.sii_lower < by_se.sii < by_se.sii_upper


def _error_block(first: int, size: int = 10) -> pd.DataFrame:
    return SII[(SII.RecordNo >= first) & (SII.RecordNo < first + size)]


def test_error_negative_population():
    rows = _error_block(151)
    with pytest.raises(ValueError, match="populations must all be greater than zero"):
        slope_index_of_inequality(rows.Population, rows.Value, standard_errors=rows.StandardError)


def test_error_negative_standard_error():
    rows = _error_block(161)
    with pytest.raises(ValueError, match="standard errors cannot be negative"):
        slope_index_of_inequality(rows.Population, rows.Value, standard_errors=rows.StandardError)


def test_error_invalid_proportion_limits():
    rows = _error_block(171)
    with pytest.raises(ValueError, match="proportion confidence limits must all be between"):
        slope_index_of_inequality(
            rows.Population,
            rows.Value,
            value_type="proportion",
            lower=rows.LowerCL,
            upper=rows.UpperCL,
        )


def test_error_missing_values():
    rows = _error_block(181)
    with pytest.raises(ValueError, match="cannot have missing values"):
        slope_index_of_inequality(rows.Population, rows.Value, standard_errors=rows.StandardError)


def test_error_missing_limits():
    rows = _error_block(191)
    with pytest.raises(ValueError, match="confidence limits cannot have missing values"):
        slope_index_of_inequality(
            rows.Population, rows.Value, lower=rows.LowerCL, upper=rows.UpperCL
        )


def test_error_missing_population():
    rows = _error_block(201)
    with pytest.raises(ValueError, match="cannot have missing values"):
        slope_index_of_inequality(rows.Population, rows.Value, standard_errors=rows.StandardError)


def test_fifteen_quantiles_are_allowed():
    rows = _error_block(211, 15)
    got = slope_index_of_inequality(rows.Population, rows.Value)
    assert np.isfinite(got.sii) and np.isfinite(got.rii)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"value_type": "ratio"}, "value_type must be one of"),
        ({"confidence": 0.99}, "confidence must be 0.95 or 0.998"),
        ({"repetitions": 10, "standard_errors": [1] * 10}, "repetitions must be 1000"),
        ({"lower": [1] * 10}, "give both lower and upper"),
        ({"transform": True}, "transform applies to rates and proportions"),
        ({"multiplier": 0}, "multiplier must be a non-zero"),
    ],
)
def test_invalid_arguments(kwargs, message):
    rows, _ = _block(1)
    with pytest.raises(ValueError, match=message):
        slope_index_of_inequality(rows.Population, rows.Value, **kwargs)


def test_too_few_quantiles():
    with pytest.raises(ValueError, match="5 to 100 quantiles"):
        slope_index_of_inequality([10, 20, 30, 40], [1, 2, 3, 4])
