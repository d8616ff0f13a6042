"""Byar's, exact Poisson and Wilson limits against PHEindicatormethods' testdata_Byars_Wilson.xlsx.

The expected values are the reference package's own (tests/fixtures/phe/README.md); nothing
here is computed with the code under test.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from svduty.analysis.stats import (
    byars_lower,
    byars_upper,
    exact_poisson_lower,
    exact_poisson_upper,
    poisson_count_limits,
    wilson_lower,
    wilson_upper,
)

FIXTURES = Path(__file__).parent / "fixtures" / "phe"
TOLERANCE = {"rel": 1e-6, "abs": 1e-12}

_sheet = pd.read_excel(FIXTURES / "testdata_Byars_Wilson.xlsx", sheet_name="testdata_B_W")
ROWS = _sheet.dropna(how="all").reset_index(drop=True)
CASES = [
    pytest.param(row, id=f"row{i + 2}-{row.method}-x{row.x:g}-{row.confidence}")
    for i, row in ROWS.iterrows()
]


def _close(got: float, expected: float) -> bool:
    if pd.isna(expected):
        return math.isnan(got)
    return got == pytest.approx(expected, **TOLERANCE)


def test_every_fixture_row_is_used():
    assert len(ROWS) == 13
    assert set(ROWS.method) == {"Byars", "Wilson"}


@pytest.mark.parametrize("row", CASES)
def test_reference_limits(row):
    confidence = 0.95 if row.confidence == "95%" else 0.998
    if row.method == "Byars":
        lower, upper = byars_lower(row.x, confidence), byars_upper(row.x, confidence)
    else:
        lower = wilson_lower(row.x, row.n, confidence)
        upper = wilson_upper(row.x, row.n, confidence)
    assert _close(lower, row.lowercl), (lower, row.lowercl)
    assert _close(upper, row.uppercl), (upper, row.uppercl)


def test_confidence_given_as_a_percentage():
    assert byars_lower(65, 99.8) == byars_lower(65, 0.998)
    assert wilson_upper(65, 100, 95) == wilson_upper(65, 100, 0.95)


def test_arrays_in_arrays_out():
    out = byars_upper(np.array([65.0, 1045.0]))
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    assert out[0] == pytest.approx(82.84913854593984, rel=1e-9)


def test_exact_poisson_against_the_gamma_distribution():
    # an independent form of the same limits: gamma quantiles (Garwood 1936)
    for x in (1, 2, 5, 9):
        assert exact_poisson_lower(x) == pytest.approx(stats.gamma.ppf(0.025, x), rel=1e-12)
        assert exact_poisson_upper(x) == pytest.approx(stats.gamma.ppf(0.975, x + 1), rel=1e-12)
    assert exact_poisson_lower(0) == 0.0
    assert exact_poisson_upper(0) == pytest.approx(-math.log(0.025), rel=1e-12)


def test_count_limits_switch_to_byars_at_ten():
    _, _, methods = poisson_count_limits(np.array([0, 9, 10, 11, np.nan]))
    assert list(methods) == ["Exact", "Exact", "Byars", "Byars", None]
    assert poisson_count_limits(10)[2] == "Byars"


def test_byars_lower_of_zero_is_missing_not_a_warning():
    assert math.isnan(byars_lower(0))


def test_wilson_edges_zero_and_all():
    assert wilson_lower(0, 50) == 0.0
    assert wilson_upper(0, 50) > 0
    assert wilson_upper(50, 50) == 1.0
    assert wilson_lower(50, 50) < 1
    assert wilson_lower(0, 50, 0.998) == 0.0
    assert wilson_upper(50, 50, 0.998) == 1.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: byars_lower([65, 0, -4]), "greater than or equal to zero"),
        (lambda: byars_upper(-1), "greater than or equal to zero"),
        (lambda: exact_poisson_upper(-1), "greater than or equal to zero"),
        (lambda: byars_lower(65, 0.9), "confidence must be 0.95 or 0.998"),
        (lambda: byars_upper(65, 14), "confidence must be 0.95 or 0.998"),
        (lambda: wilson_lower(65, 100, 125), "confidence must be 0.95 or 0.998"),
        (lambda: wilson_lower([65, 80, 1000], [100, 5000, -6]), "greater than zero"),
        (lambda: wilson_upper([65, 80, 1000], [100, 50, 5000]), "less than or equal to"),
        (lambda: wilson_upper([65, 80], [100, 50, 5000]), "lengths differ"),
        (lambda: wilson_lower(-1, 10), "greater than or equal to zero"),
        (lambda: byars_lower("65"), "numbers"),
    ],
)
def test_invalid_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()
