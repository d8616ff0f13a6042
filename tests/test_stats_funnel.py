"""Funnel plot limits and significance against PHEindicatormethods' funnel test data.

* testdata_funnel_rate_input_funnels.csv -> testdata_funnel_rate_outputs.csv: the 100-point
  control limits for a DSR funnel (per 100,000, 3 years of data), as the reference's test
  "confidence limits calculate correctly for rates (dsr)";
* testdata_funnel_rate_dsr_inputs.csv: counts, rates and populations with the expected
  significance of each record in eight settings (DSR or crude, per 100,000 or per 100, with and
  without a record of 0 events);
* testdata_funnel_prop_outputs.csv: proportion funnel limits at 100 population sizes around the
  baseline in its last column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from svduty.analysis.stats import (
    poisson_funnel_expected,
    proportion_control_limits,
    proportion_funnel_limits,
    proportion_funnel_significance,
    rate_funnel_limits,
    rate_funnel_significance,
)

FIXTURES = Path(__file__).parent / "fixtures" / "phe"
RATE_INPUT = pd.read_csv(FIXTURES / "testdata_funnel_rate_input_funnels.csv")
RATE_OUTPUT = pd.read_csv(FIXTURES / "testdata_funnel_rate_outputs.csv")
SIGNIFICANCE = pd.read_csv(FIXTURES / "testdata_funnel_rate_dsr_inputs.csv")
PROP_OUTPUT = pd.read_csv(FIXTURES / "testdata_funnel_prop_outputs.csv")

RATE_COLUMNS = [c for c in RATE_OUTPUT.columns if c not in ("Events", "statistic", "method")]


@pytest.fixture(scope="module")
def dsr_funnel() -> pd.DataFrame:
    return rate_funnel_limits(
        RATE_INPUT.ev, RATE_INPUT.rate, multiplier=1e5, years_of_data=3, rate_type="dsr"
    )


def test_rate_funnel_has_the_reference_axis(dsr_funnel):
    assert len(RATE_OUTPUT) == 100
    assert dsr_funnel.Events.tolist() == RATE_OUTPUT.Events.tolist()
    assert list(dsr_funnel.columns) == ["Events", *RATE_COLUMNS]


@pytest.mark.parametrize(
    "i", [pytest.param(i, id=f"events{e}") for i, e in enumerate(RATE_OUTPUT.Events)]
)
def test_reference_rate_funnel_row(dsr_funnel, i):
    got, expected = dsr_funnel.iloc[i], RATE_OUTPUT.iloc[i]
    for column in RATE_COLUMNS:
        assert got[column] == pytest.approx(expected[column], rel=1e-6), column
    assert expected.statistic == "rate (dsr per 100,000)" and expected.method == "Poisson"


def test_poisson_search_agrees_with_the_closed_form():
    # the bisection's answer is within its stopping step of the exact chi-squared quantile
    for observed in (1, 7, 40, 1360):
        low = poisson_funnel_expected(observed, 0.025, "low")
        high = poisson_funnel_expected(observed, 0.025, "high")
        assert low == pytest.approx(stats.chi2.ppf(0.025, 2 * observed) / 2, rel=1e-4)
        assert high == pytest.approx(stats.chi2.ppf(0.975, 2 * observed + 2) / 2, rel=1e-4)


SETTINGS = {
    # column of expected significance: (rate column, rate type, multiplier, keep 0-event record)
    "dsr_per_100000_with_0": ("rate_dsr", "dsr", 1e5, True),
    "dsr_per_100_with_0": ("rate_dsr", "dsr", 100, True),
    "dsr_per_100000_without_0": ("rate_dsr", "dsr", 1e5, False),
    "dsr_per_100_without_0": ("rate_dsr", "dsr", 100, False),
    "crude_per_100000_with_0": ("rate_crude_per_100000", "crude", 1e5, True),
    "crude_per_100_with_0": ("rate_crude_per_100", "crude", 100, True),
    "crude_per_100000_without_0": ("rate_crude_per_100000", "crude", 1e5, False),
    "crude_per_100_without_0": ("rate_crude_per_100", "crude", 100, False),
}


def _significance(setting: str) -> tuple[list[str], list[str]]:
    rate, rate_type, multiplier, with_zero = SETTINGS[setting]
    data = SIGNIFICANCE if with_zero else SIGNIFICANCE[SIGNIFICANCE["count"] != 0]
    got = rate_funnel_significance(
        data["count"],
        data[rate],
        multiplier=multiplier,
        rate_type=rate_type,
        denominators=data["pop"],
    )
    return got, data[setting].tolist()


SIGNIFICANCE_CASES = [
    pytest.param(setting, i, id=f"{setting}-row{i + 2}")
    for setting, (_, _, _, with_zero) in SETTINGS.items()
    for i in range(len(SIGNIFICANCE) if with_zero else int((SIGNIFICANCE["count"] != 0).sum()))
]


@pytest.fixture(scope="module")
def significance_results() -> dict[str, tuple[list[str], list[str]]]:
    return {setting: _significance(setting) for setting in SETTINGS}


@pytest.mark.parametrize(("setting", "i"), SIGNIFICANCE_CASES)
def test_reference_rate_significance(significance_results, setting, i):
    got, expected = significance_results[setting]
    assert len(got) == len(expected)
    assert got[i] == expected[i]


def test_zero_events_need_denominators():
    with pytest.raises(ValueError, match="0 events the denominators must be given"):
        rate_funnel_significance([0, 12], [0, 50.0], multiplier=1e5, rate_type="crude")


@pytest.mark.parametrize(
    "i", [pytest.param(i, id=f"population{p}") for i, p in enumerate(PROP_OUTPUT.Population)]
)
def test_reference_proportion_limits(i):
    expected = PROP_OUTPUT.iloc[i]
    baseline = PROP_OUTPUT.Baseline.iloc[0]
    got = proportion_control_limits([expected.Population], baseline / 100, 100).iloc[0]
    # the fixture has 6 decimal places (and so has its baseline)
    pairs = [
        ("lower_2s_limit", "Lower2s0025limit"),
        ("upper_2s_limit", "Upper2s0025limit"),
        ("lower_3s_limit", "Lower3s0001limit"),
        ("upper_3s_limit", "Upper3s0001limit"),
        ("baseline", "Baseline"),
    ]
    for ours, theirs in pairs:
        assert got[ours] == pytest.approx(expected[theirs], rel=1e-6, abs=1e-6), ours


def test_proportion_significance_labels():
    # 50 areas of 1,000 people at about 30%, one far above and one far below the average
    numerators = np.array([300] * 48 + [420, 180])
    denominators = np.full(50, 1000)
    got = proportion_funnel_significance(numerators, denominators)
    assert got[:48] == ["Not significant"] * 48
    assert got[48] == "High (0.001)" and got[49] == "Low (0.001)"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rate_funnel_limits([-1, 5], [1, 2], multiplier=1e5, years_of_data=1), "greater"),
        (lambda: rate_funnel_limits([1, 5], [1, 2], multiplier=1e5, years_of_data=0), "years"),
        (lambda: rate_funnel_limits([1, 5], [1], multiplier=1e5, years_of_data=1), "lengths"),
        (
            lambda: rate_funnel_limits(
                [1, 5], [1, 2], multiplier=1e5, years_of_data=1, rate_type="x"
            ),
            "rate_type",
        ),
        (lambda: proportion_funnel_significance([65, 80, 30], [100, 100, 0]), "greater than zero"),
        (lambda: proportion_funnel_significance([65, -80], [100, 100]), "greater than or equal"),
        (lambda: proportion_funnel_significance([65, 80, 30], [100, 100, 20]), "less than or"),
        (lambda: poisson_funnel_expected(3, 0.025, "middle"), "side"),
    ],
)
def test_invalid_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_proportion_axis_runs_to_a_rounded_up_largest_denominator():
    # the fixture's 100 populations are the axis for a largest denominator of 102,950 (its
    # inputs' largest) with a smallest under half of it: 1 to 110,000, spaced geometrically
    funnel = proportion_funnel_limits([16_000, 83_000], [20_000, 102_950])
    assert funnel.Population.tolist() == PROP_OUTPUT.Population.tolist()
    assert funnel.baseline.iloc[0] == pytest.approx(100 * 99_000 / 122_950)
