"""Directly standardised rates against PHEindicatormethods' testdata_DSR_ISR.xlsx.

Inputs: sheets testdata_multiarea (three areas, 19 ESP 2013 age bands), testdata_1976 (18 bands
with the 1976 European standard population in a column) and testdata_nonindepe (people by
event frequency). Expected: sheet testresults_DSR. Sheets testdata_err1..4 hold invalid inputs.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from svduty.analysis.stats import ESP2013, ESP2013_AGE_BANDS, dsr, dsr_non_independent

FIXTURES = Path(__file__).parent / "fixtures" / "phe"
TOLERANCE = {"rel": 1e-6, "abs": 1e-12}
SHEETS = pd.read_excel(FIXTURES / "testdata_DSR_ISR.xlsx", sheet_name=None)
RESULTS = SHEETS["testresults_DSR"]
MULTIAREA = SHEETS["testdata_multiarea"]
ESP1976 = SHEETS["testdata_1976"].dropna(how="all")
NONINDEPENDENT = SHEETS["testdata_nonindepe"]

# (row of testresults_DSR, input, multiplier, limits compared)
BOTH = ("95", "998")
CASES = [
    (0, "testdata_big", 10_000, BOTH),
    (1, "testdata_small", 10_000, BOTH),
    (2, "testdata_tiny", 10_000, BOTH),
    # the 1976 rows' 99.8% limits are ten times the DSR's scale in the sheet (7659 per 10,000
    # for a DSR of 859); the reference's tests compare only the value and 95% limits of them
    (3, "testdata_1976", 10_000, ("95",)),
    (4, "testdata_big", 100_000, BOTH),
    (5, "testdata_small", 100_000, BOTH),
    (6, "testdata_tiny", 100_000, BOTH),
    (7, "testdata_1976", 100_000, ("95",)),
    (8, "testdata_nonind_big", 100_000, BOTH),
    (9, "testdata_nonind_dummy", 100_000, BOTH),
    (10, "testdata_nonind_small", 100_000, BOTH),
    (11, "testdata_nonind_tiny", 100_000, BOTH),
]


def _compute(area: str, multiplier: float):
    if area == "testdata_1976":
        return dsr(ESP1976["count"], ESP1976["pop"], ESP1976["esp1976"], multiplier)
    if area.startswith("testdata_nonind"):
        rows = NONINDEPENDENT[NONINDEPENDENT.area == area]
        people = {f: rows[f"f{f}"] for f in (1, 2, 3, 4)}
        # the reference counts a missing number of people as none (its na.zero)
        return dsr_non_independent(
            people, rows["pop"], multiplier=multiplier, missing_counts_as_zero=True
        )
    rows = MULTIAREA[MULTIAREA.area == area]
    return dsr(rows["count"], rows["pop"], multiplier=multiplier, missing_counts_as_zero=True)


def _same(got, expected) -> bool:
    if pd.isna(expected):
        return math.isnan(got)
    return got == pytest.approx(expected, **TOLERANCE)


def test_every_result_row_is_checked():
    assert sorted(c[0] for c in CASES) == list(range(len(RESULTS)))


@pytest.mark.parametrize(
    ("index", "area", "multiplier", "limits"),
    [pytest.param(*c, id=f"row{c[0] + 2}-{c[1]}-per{c[2]}") for c in CASES],
)
def test_reference_dsr(index, area, multiplier, limits):
    expected = RESULTS.iloc[index]
    assert expected.area == area  # the sheet names the input it expects
    got = _compute(area, multiplier)
    assert got.total_count == expected.total_count
    assert got.total_population == expected.total_pop
    assert _same(got.value, expected.value)
    if "95" in limits:
        assert _same(got.lower_95, expected.lower95_0cl)
        assert _same(got.upper_95, expected.upper95_0cl)
    if "998" in limits:
        assert _same(got.lower_998, expected.lower99_8cl)
        assert _same(got.upper_998, expected.upper99_8cl)
    assert got.method == expected.method
    if expected.statistic.startswith("dsr NA"):
        assert got.suppressed and got.reason == expected.statistic
    else:
        assert not got.suppressed and got.reason is None


def test_esp2013_is_the_published_standard():
    assert len(ESP2013) == len(ESP2013_AGE_BANDS) == 19
    assert sum(ESP2013) == 100_000
    assert ESP2013_AGE_BANDS[0] == "0-4" and ESP2013_AGE_BANDS[-1] == "90+"
    # the weights the reference's own test passes as a literal vector
    assert list(ESP2013) == list(SHEETS["testdata_err4"]["stdpop"].dropna().abs().astype(int))


def test_suppressed_below_ten_events():
    counts = [0] * 18 + [9]
    got = dsr(counts, [1000] * 19)
    assert got.suppressed and math.isnan(got.value) and math.isnan(got.upper_998)
    assert not dsr([0] * 18 + [10], [1000] * 19).suppressed


def _err(name: str) -> pd.DataFrame:
    return SHEETS[name].dropna(how="all")


def test_negative_count_raises():
    sheet = _err("testdata_err1")
    with pytest.raises(ValueError, match="counts must all be greater than or equal to zero"):
        dsr(sheet["count"], sheet["pop"], sheet["stdpop"])


def test_zero_population_raises():
    sheet = _err("testdata_err2")
    area1 = sheet[sheet.area == "Area1"]
    with pytest.raises(ValueError, match="populations must all be greater than zero"):
        dsr(area1["count"], area1["pop"])


def test_negative_population_raises():
    sheet = _err("testdata_err3")
    with pytest.raises(ValueError, match="populations must all be greater than zero"):
        dsr(sheet["count"], sheet["pop"], sheet["stdpop"])


def test_negative_standard_population_raises():
    sheet = _err("testdata_err4")
    with pytest.raises(ValueError, match="standard population weights must all be greater"):
        dsr(sheet["count"], sheet["pop"], sheet["stdpop"])


def test_missing_age_band_raises():
    rows = MULTIAREA[MULTIAREA.area == "testdata_big"]
    with pytest.raises(ValueError, match="18 age bands but the standard population has 19"):
        dsr(rows["count"].iloc[:18], rows["pop"].iloc[:18])
    with pytest.raises(ValueError, match="populations has 18 age bands"):
        dsr(rows["count"], rows["pop"].iloc[:18])


def test_missing_count_raises_unless_asked_to_count_it_as_zero():
    rows = MULTIAREA[MULTIAREA.area == "testdata_tiny"]
    with pytest.raises(ValueError, match="counts has missing values"):
        dsr(rows["count"], rows["pop"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"multiplier": 0}, "multiplier"),
        ({"standard_population": [0] * 19}, "must not all be zero"),
        ({"standard_population": [1.0] * 18 + [None]}, "standard_population cannot have missing"),
    ],
)
def test_other_invalid_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dsr([10] * 19, [100] * 19, **kwargs)


def test_non_independent_needs_positive_frequencies():
    with pytest.raises(ValueError, match="event frequencies must be positive"):
        dsr_non_independent({0: [1] * 19}, [100] * 19)
    with pytest.raises(ValueError, match="at least one event frequency"):
        dsr_non_independent({}, [100] * 19)
