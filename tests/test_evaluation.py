"""svduty.analysis.evaluation: matched comparison areas and difference-in-differences for a
place-based intervention.

Simulated panels (seeded) with a known rate ratio check the interval and the verdict; the Poisson
estimate is checked against the ratio of ratios of raw sums worked out by hand; matching is
checked on constructed areas; and the warehouse function is run on real police.uk data, its
panel reconciled with a count over the police_uk_street table in SQL."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from conftest import AS_STREET
from svduty.analysis import evaluation
from svduty.analysis.evaluation import (
    difference_in_differences,
    evaluate_place_based,
    match_comparators,
)
from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.measures.compute import SYNTHETIC_NOTE
from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.warehouse import connect
from svduty.warehouse.feed_ingest import ingest_feed
from svduty.warehouse.ingest import ingest_police_uk
from svduty.warehouse.reference_load import load_reference

PFA = "E23000036"  # Avon and Somerset
START = "2020-01"


def simulate(
    rng: np.random.Generator,
    *,
    rate_ratio: float = 1.0,
    n_treated: int = 15,
    n_comparison: int = 45,
    months_before: int = 12,
    months_after: int = 12,
    mean: float = 8.0,
    pre_trend: float = 0.0,
) -> tuple[pd.DataFrame, list[str]]:
    """Monthly counts: areas of different sizes, a seasonal cycle, some overdispersion; the
    treated areas' counts are multiplied by ``rate_ratio`` from START and, before START, follow
    a trend of ``pre_trend`` per month (log scale) of their own."""
    first = pd.Period(START, freq="M") - months_before
    months = [str(first + i) for i in range(months_before + months_after)]
    treated = [f"T{i:03d}" for i in range(n_treated)]
    areas = treated + [f"C{i:03d}" for i in range(n_comparison)]
    level = rng.lognormal(math.log(mean), 0.5, len(areas))
    season = 1 + 0.15 * np.sin(np.arange(len(months)) * 2 * np.pi / 12)
    rows = []
    for area, base in zip(areas, level, strict=True):
        for j, month in enumerate(months):
            mu = base * season[j] * rng.gamma(10.0, 0.1)
            if area in treated:
                after = month >= START
                mu *= rate_ratio if after else math.exp(pre_trend * (j - months_before))
            rows.append((area, month, int(rng.poisson(mu)), 1500))
    panel = pd.DataFrame(rows, columns=["area_code", "month", "count", "population"])
    return panel, treated


def percentages(text: str) -> list[int]:
    return [int(p) for p in re.findall(r"(\d+)%", text)]


# ---- difference-in-differences on simulated panels ---------------------------------------------


def test_a_true_rate_ratio_of_0_7_is_covered_and_no_change_is_excluded():
    panel, treated = simulate(np.random.default_rng(7), rate_ratio=0.7)
    r = difference_in_differences(panel, treated=treated, start=START)
    assert r.lower < 0.7 < r.upper
    assert r.upper < 1
    assert r.p_value < 0.05
    assert r.can_tell and r.reasons == ()
    assert r.errors == "cluster-robust by area"
    assert (r.treated_areas, r.comparison_areas) == (15, 45)
    assert len(r.months_before) == len(r.months_after) == 12
    # the words carry the numbers: fell by (1 - RR), interval (1 - upper) to (1 - lower) fall
    assert "fell by" in r.verdict and "fall)" in r.verdict
    assert "15 treated areas" in r.verdict and "45 comparison areas" in r.verdict
    fell, low, high = (round((1 - x) * 100) for x in (r.rate_ratio, r.upper, r.lower))
    assert percentages(r.verdict) == [fell, 95, low, high]
    assert r.percent_change == pytest.approx((r.rate_ratio - 1) * 100)
    json.dumps(r.as_dict())


def test_with_no_effect_the_interval_covers_1_and_the_verdict_says_it_cannot_tell():
    panel, treated = simulate(np.random.default_rng(11), rate_ratio=1.0)
    r = difference_in_differences(panel, treated=treated, start=START)
    assert r.lower < 1 < r.upper
    assert not r.can_tell
    assert r.reasons == ("interval_includes_no_change",)
    assert r.verdict.startswith("The data cannot tell whether it changed violence")
    low, high = round((1 - r.lower) * 100), round((r.upper - 1) * 100)
    assert f"runs from a {low}% fall to a {high}% rise" in r.verdict.replace("an ", "a ")


def test_tiny_data_cannot_tell_and_says_why():
    panel, treated = simulate(
        np.random.default_rng(3), n_treated=1, n_comparison=3, months_before=1, months_after=2
    )
    r = difference_in_differences(panel, treated=treated, start=START)
    assert not r.can_tell
    for reason in ("few_treated_areas", "few_months_before", "few_months_after"):
        assert reason in r.reasons
    assert "only 1 treated area (at least 2 needed)" in r.verdict
    assert "only 1 month before it started" in r.verdict
    assert "only 2 months since it started" in r.verdict
    # one cluster has no spread: the interval is not cluster-robust, and says so
    assert r.errors == "quasi-Poisson"
    assert any("quasi-Poisson" in c for c in r.caveats)
    assert not r.pretrend.tested  # one month before the start: nothing to test


def test_too_few_events_in_the_treated_areas_cannot_tell():
    panel, treated = simulate(np.random.default_rng(5), n_treated=3, mean=0.4)
    r = difference_in_differences(panel, treated=treated, start=START)
    events = panel[panel["area_code"].isin(treated) & (panel["month"] >= START)]["count"].sum()
    assert events < evaluation.MIN_EVENTS  # the simulation gives what the test needs
    assert "few_events_after" in r.reasons and not r.can_tell
    assert f"only {events} events in the treated areas since it started" in r.verdict


SHORT = {"n_treated": 10, "n_comparison": 30, "months_before": 18, "months_after": 6}


def test_a_treated_trend_before_the_start_fails_the_pre_trend_check():
    panel, treated = simulate(np.random.default_rng(13), pre_trend=0.04, **SHORT)
    r = difference_in_differences(panel, treated=treated, start=START)
    assert r.pretrend.tested and r.pretrend.passed is False
    assert r.pretrend.p_value < evaluation.PRETREND_ALPHA
    # the simulated trend is exp(0.04 x 12) a year: found, of about that size
    assert r.pretrend.lower > 1
    assert abs(math.log(r.pretrend.ratio_per_year) - 0.04 * 12) < 0.25
    assert "failed_pretrend" in r.reasons and not r.can_tell
    assert r.verdict.startswith("The comparison may not be valid")
    assert "already rising" in r.verdict


def test_parallel_trends_pass_the_pre_trend_check():
    # (over 100 such panels the check wrongly failed 6 times: about its 5% level)
    panel, treated = simulate(np.random.default_rng(2), rate_ratio=0.7, **SHORT)
    r = difference_in_differences(panel, treated=treated, start=START)
    assert r.pretrend.tested and r.pretrend.passed
    assert r.pretrend.lower < 1 < r.pretrend.upper
    assert "failed_pretrend" not in r.reasons


# ---- the estimate against arithmetic by hand ---------------------------------------------------


def test_the_poisson_interaction_is_the_ratio_of_ratios_of_the_raw_sums():
    # one treated and one comparison area, one month before and one after: a plain 2x2
    panel = pd.DataFrame(
        {
            "area_code": ["T", "T", "C", "C"],
            "month": ["2019-12", "2020-01", "2019-12", "2020-01"],
            "count": [40, 30, 50, 55],
        }
    )
    r = difference_in_differences(panel, treated=["T"], start=START)
    assert r.rate_ratio == pytest.approx((30 / 40) / (55 / 50), rel=1e-6)
    assert r.ratio_of_ratios == pytest.approx((30 / 40) / (55 / 50))
    assert r.did == pytest.approx((30 - 40) - (55 - 50))


def test_on_a_balanced_panel_the_estimate_is_the_ratio_of_ratios_whatever_the_variation():
    rng = np.random.default_rng(21)
    panel, treated = simulate(rng, n_treated=4, n_comparison=6, months_before=5, months_after=7)
    sizes = {a: 1000 + 100 * i for i, a in enumerate(sorted(panel["area_code"].unique()))}
    panel["population"] = panel["area_code"].map(sizes)  # one population per area
    r = difference_in_differences(panel, treated=treated, start=START)
    is_t = panel["area_code"].isin(treated)
    after = panel["month"] >= START
    t_before, t_after = panel[is_t & ~after], panel[is_t & after]
    c_before, c_after = panel[~is_t & ~after], panel[~is_t & after]
    by_hand = (t_after["count"].sum() / t_before["count"].sum()) / (
        c_after["count"].sum() / c_before["count"].sum()
    )
    assert r.rate_ratio == pytest.approx(by_hand, rel=1e-6)

    # the raw table: rates per 1,000 residents per year, from person-years
    def rate(part):
        return part["count"].sum() / (part["population"].sum() / 12) * 1000

    table = r.table.set_index(["group", "period"])
    assert table.loc[("treated", "after"), "events"] == t_after["count"].sum()
    assert table.loc[("comparison", "before"), "rate"] == pytest.approx(rate(c_before))
    assert r.did == pytest.approx(
        (rate(t_after) - rate(t_before)) - (rate(c_after) - rate(c_before))
    )
    assert r.did_unit == "events per 1,000 residents per year"


def test_the_panel_is_checked():
    panel, treated = simulate(np.random.default_rng(1), n_treated=2, n_comparison=2)
    with pytest.raises(ValueError, match="lack some months"):
        difference_in_differences(panel.iloc[1:], treated=treated, start=START)
    with pytest.raises(ValueError, match="not in the panel"):
        difference_in_differences(panel, treated=["E01999999"], start=START)
    with pytest.raises(ValueError, match="YYYY-MM"):
        difference_in_differences(panel, treated=treated, start="2020-1")
    with pytest.raises(ValueError, match="whole numbers"):
        difference_in_differences(panel.assign(count=-1), treated=treated, start=START)
    with pytest.raises(ValueError, match="more than one row"):
        difference_in_differences(pd.concat([panel, panel.iloc[:1]]), treated=treated, start=START)


# ---- matching -----------------------------------------------------------------------------------


@pytest.fixture
def areas() -> pd.DataFrame:
    """100 candidate areas spread over deprivation and violence, and 8 treated areas among the
    most deprived and most violent (as places chosen for an intervention are)."""
    rng = np.random.default_rng(42)
    rank = rng.integers(1, 32845, 100).astype(float)
    population = rng.integers(1200, 2500, 100).astype(float)
    rate = 40 - rank / 1000 + rng.normal(0, 4, 100)  # more deprived, more violence
    frame = pd.DataFrame(
        {
            "area_code": [f"E01{i:06d}" for i in range(100)],
            "imd_rank": rank,
            "population": population,
            "prior_count": np.maximum(0, rate * population / 1000).round(),
        }
    )
    treated = pd.DataFrame(
        {
            "area_code": [f"E01{900 + i:06d}" for i in range(8)],
            "imd_rank": rng.integers(1, 3000, 8).astype(float),
            "population": 1800.0,
            "prior_count": rng.integers(60, 80, 8).astype(float),
        }
    )
    return pd.concat([frame, treated], ignore_index=True)


def treated_codes(areas: pd.DataFrame) -> list[str]:
    return [c for c in areas["area_code"] if c >= "E01000900"]


def test_matching_never_chooses_treated_or_excluded_areas_and_improves_balance(areas):
    treated = treated_codes(areas)
    rate = areas.set_index("area_code").eval("prior_count / population")
    # exclude the candidates most like the treated areas (a spillover buffer)
    candidates = rate.drop(treated)
    exclude = list(candidates.sort_values(ascending=False).index[:10])
    m = match_comparators(areas, treated, k=3, seed=0, exclude=exclude)
    assert len(m.comparators) == len(set(m.comparators)) == 24  # without replacement
    assert not set(m.comparators) & set(treated)
    assert not set(m.comparators) & set(exclude)
    assert (m.pairs.groupby("treated_code").size() == 3).all()
    assert m.candidates == 100 - 10
    balance = m.balance.set_index("variable")
    assert list(balance.index) == ["imd_rank", "prior_rate"]
    assert (balance["smd_after"].abs() < balance["smd_before"].abs()).all()


def test_balance_is_the_standardised_mean_difference_by_hand(areas):
    treated = treated_codes(areas)
    m = match_comparators(areas, treated, k=2)
    frame = areas.set_index("area_code")
    rank_t = frame.loc[treated, "imd_rank"]
    rank_c = frame.loc[list(m.comparators), "imd_rank"]
    pooled = math.sqrt((rank_t.var() + rank_c.var()) / 2)
    after = m.balance.set_index("variable").loc["imd_rank", "smd_after"]
    assert after == pytest.approx((rank_t.mean() - rank_c.mean()) / pooled)
    prior = frame["prior_count"] / frame["population"] * 1000
    assert m.balance.set_index("variable").loc["prior_rate", "treated_mean"] == pytest.approx(
        prior[treated].mean()
    )


def test_an_identical_candidate_is_chosen_first():
    areas = pd.DataFrame(
        {
            "area_code": ["T1", "A", "B", "C", "D"],
            "imd_decile": [2, 9, 2, 2, 1],
            "prior_count": [50, 50, 50, 30, 10],
        }
    )
    m = match_comparators(areas, ["T1"], k=2)
    assert list(m.pairs["comparator_code"]) == ["B", "C"]
    assert m.pairs["distance"].iloc[0] == 0
    assert "count" in " ".join(m.notes)  # no population: matched on the count


def test_too_few_candidates_are_shared_out_and_noted():
    areas = pd.DataFrame(
        {
            "area_code": ["T1", "T2", "A", "B", "C", "D"],
            "imd_score": [40.0, 10.0, 39.0, 11.0, 30.0, 20.0],
            "prior_count": [50, 10, 48, 12, 40, 20],
        }
    )
    m = match_comparators(areas, ["T1", "T2"], k=3)
    # every treated area takes its nearest before any takes a second
    first = m.pairs[m.pairs["choice"] == 1].set_index("treated_code")["comparator_code"]
    assert first.to_dict() == {"T1": "A", "T2": "B"}
    assert sorted(m.comparators) == ["A", "B", "C", "D"]
    assert any("fewer than 3" in n for n in m.notes)


def test_matching_is_reproducible_by_seed_and_checks_its_input(areas):
    treated = treated_codes(areas)
    one = match_comparators(areas, treated, k=3, seed=5)
    two = match_comparators(areas, treated, k=3, seed=5)
    assert one.comparators == two.comparators
    with pytest.raises(ValueError, match="not in `areas`"):
        match_comparators(areas, ["E01999999"])
    with pytest.raises(ValueError, match="deprivation column"):
        match_comparators(areas.drop(columns="imd_rank"), treated)
    with pytest.raises(ValueError, match="k must be"):
        match_comparators(areas, treated, k=0)


# ---- from the warehouse -------------------------------------------------------------------------

WAREHOUSE_MONTHS = [f"2019-{m:02d}" for m in range(3, 13) if m != 7] + [
    f"2020-{m:02d}" for m in range(1, 11)
]  # police.uk has no 2019-07


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    """Reference tables and 19 months of real police.uk data for Avon and Somerset."""
    path = tmp_path_factory.mktemp("evaluation") / "w.duckdb"
    warehouse = connect(f"duckdb:///{path}")
    load_reference(warehouse, loaded_by="test")
    files = [AS_STREET / f"{m}-avon-and-somerset-street.csv.gz" for m in WAREHOUSE_MONTHS]
    ingest_police_uk(warehouse, files, loaded_by="test")
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def bristol(wh) -> pd.DataFrame:
    """Bristol's 2011 LSOAs with their December 2019 wards, read directly."""
    sql = (
        "SELECT lsoa_code, ward19_code FROM ref_lsoa "
        "WHERE la_name = 'Bristol, City of' AND in_2011 ORDER BY lsoa_code"
    )
    return wh.ibis.sql(sql).execute()


@pytest.fixture(scope="module")
def evaluated(wh, bristol):
    lsoas = list(bristol["lsoa_code"].iloc[:6])
    return evaluate_place_based(
        wh,
        lsoas=lsoas,
        start="2020-04",
        measure="police-uk-violence",
        pfa_code=PFA,
        months_before=12,
        months_after=6,
        k=3,
        seed=0,
    )


def test_the_warehouse_evaluation_has_its_parts(evaluated, bristol, wh):
    ev = evaluated
    assert ev.treated == tuple(sorted(bristol["lsoa_code"].iloc[:6]))
    assert ev.measure == "police-uk-violence" and not ev.synthetic
    assert len(ev.matching.comparators) == 18
    force = set(
        wh.ibis.sql(
            f"SELECT lsoa_code FROM ref_lsoa WHERE pfa_code = '{PFA}' AND in_2011"
        ).execute()["lsoa_code"]
    )
    assert set(ev.matching.comparators) <= force - set(ev.treated)
    assert ev.did.treated_areas == 6 and ev.did.comparison_areas == 18
    assert ev.verdict == ev.did.verdict and ev.can_tell == ev.did.can_tell
    payload = json.loads(json.dumps(ev.as_dict()))
    assert payload["did"]["start"] == "2020-04"
    assert len(payload["matching"]["pairs"]) == 18


def test_a_month_the_source_lacks_is_left_out_not_counted_as_zero(evaluated):
    ev = evaluated
    assert ev.months_missing == ("2019-07",)
    assert "2019-07" not in set(ev.panel["month"])
    expected_before = ["2019-04", "2019-05", "2019-06"] + [f"2019-{m:02d}" for m in range(8, 13)]
    expected_before += ["2020-01", "2020-02", "2020-03"]
    assert list(ev.months_before) == expected_before
    assert list(ev.months_after) == [f"2020-{m:02d}" for m in range(4, 10)]
    assert any("2019-07" in c and "not counted as zero" in c for c in ev.caveats)
    assert len(ev.panel) == 24 * (11 + 6)  # every area, every covered month


def test_the_panel_counts_match_a_count_over_police_uk_in_sql(evaluated, wh):
    ev = evaluated
    codes = ", ".join(f"'{c}'" for c in ev.panel["area_code"].unique())
    sql = f"""
        SELECT lsoa_code AS area_code, strftime(month, '%Y-%m') AS month, count(*) AS n
        FROM police_uk_street
        WHERE "force" = 'avon-and-somerset' AND crime_type = 'Violence and sexual offences'
          AND lsoa_code IN ({codes})
          AND month >= DATE '2019-04-01' AND month < DATE '2020-10-01'
        GROUP BY 1, 2
    """
    direct = wh.ibis.sql(sql).execute().set_index(["area_code", "month"])["n"]
    panel = ev.panel.set_index(["area_code", "month"])["count"]
    assert int(panel.sum()) == int(direct.sum()) > 0
    compared = direct.reindex(panel.index, fill_value=0)
    assert (panel == compared).all()
    # and the model's 2x2 table adds up to the same events
    assert int(ev.did.table["events"].sum()) == int(direct.sum())


def test_matching_reads_the_imd_rank_and_the_prior_rate(evaluated, wh):
    ev = evaluated
    codes = ", ".join(f"'{c}'" for c in ev.treated)
    imd = wh.ibis.sql(f"SELECT imd_rank FROM ref_imd2019 WHERE lsoa11_code IN ({codes})").execute()
    balance = ev.matching.balance.set_index("variable")
    # English data on 2011 LSOAs: the index published on them, England's own
    assert ev.deprivation_index == "IMD 2019" and ev.lsoa_vintage == 2011
    assert balance.loc["deprivation_rank", "treated_mean"] == pytest.approx(imd["imd_rank"].mean())
    assert any("IMD 2019 rank" in n for n in ev.matching.notes)
    pop = (
        wh.ibis.sql(
            "SELECT lsoa11_code, population_mid2018 FROM ref_population_lsoa11 "
            f"WHERE lsoa11_code IN ({codes})"
        )
        .execute()
        .set_index("lsoa11_code")["population_mid2018"]
    )
    before = ev.panel[ev.panel["treated"] & (ev.panel["month"] < "2020-04")]
    prior = before.groupby("area_code")["count"].sum()
    rates = prior / pop.reindex(prior.index) * 1000
    assert balance.loc["prior_rate", "treated_mean"] == pytest.approx(rates.mean())


def test_wards_map_to_their_lsoas_and_exclusions_are_honoured(wh, bristol, evaluated):
    ward = bristol["ward19_code"].iloc[0]
    lsoas = sorted(bristol.loc[bristol["ward19_code"] == ward, "lsoa_code"])
    exclude = list(evaluated.matching.comparators[:5])
    ev = evaluate_place_based(
        wh, wards=[ward], start="2020-04", pfa_code=PFA, months_before=12, exclude=exclude
    )
    assert ev.treated == tuple(lsoas) and ev.wards == (ward,)
    assert not set(ev.matching.comparators) & set(exclude)
    # no months_after: to the last month loaded
    assert list(ev.months_after) == [f"2020-{m:02d}" for m in range(4, 11)]


POLICE_HEADER = (
    "Crime reference,Offence code,Recorded date,Offence from,Offence to,LSOA code,Longitude,"
    "Latitude,Location type,Victim age,Victim sex,Victim reference,Suspect age,"
    "Suspect reference,Knife or sharp instrument,Firearm,Domestic abuse,Alcohol related,"
    "Drug related,Exploitation or county lines,Synthetic"
)


def test_synthetic_records_are_flagged_and_counted_by_recorded_month(wh, bristol, tmp_path):
    """A small synthetic police extract: the evaluation says it is synthetic, first."""
    rng = np.random.default_rng(8)
    codes = list(bristol["lsoa_code"].iloc[10:22])
    months = [f"2019-{m:02d}" for m in range(4, 13)] + [f"2020-{m:02d}" for m in range(1, 7)]
    rows, expected = [], {}
    for code in codes:
        for month in months:
            n = int(rng.poisson(3))
            expected[(code, month)] = n
            for _ in range(n):
                ref = f"AS/{len(rows):07d}"
                rows.append(f"{ref},8N,{month}-11,{month}-10,,{code},,,street,30,F,,,,N,,,,,,Y")
    path = tmp_path / "extract.csv"
    path.write_text("\n".join([POLICE_HEADER, *rows]) + "\n", encoding="utf-8")
    key = Pseudonymiser(b"e" * 32)
    (loaded,) = ingest_feed(wh, "police-crime", [path], pseudonymiser=key, loaded_by="test")
    assert loaded.rows_loaded == len(rows)
    measure = Measure(
        id="test-assault-with-injury",
        title="Assault with injury (test extract)",
        source="police_crime",
        filters={"offence_code": "8N"},
    )
    ev = evaluate_place_based(
        wh, lsoas=codes[:4], start="2020-01", measure=measure, pfa_code=PFA, months_before=9, k=2
    )
    assert ev.synthetic and ev.caveats[0] == SYNTHETIC_NOTE
    assert ev.months_missing == ()  # the extract covers every month of its window
    assert list(ev.months_after) == months[-6:]
    panel = ev.panel.set_index(["area_code", "month"])["count"]
    by_hand = pd.Series(expected).reindex(panel.index, fill_value=0)
    assert (panel == by_hand).all()
    assert "assault with injury" in ev.verdict  # the measure's title, in words


def test_unknown_areas_are_refused_with_what_to_do(wh):
    with pytest.raises(ValueError, match="not LSOAs of force area"):
        evaluate_place_based(wh, lsoas=["E01999999"], start="2020-04", pfa_code=PFA)
    with pytest.raises(ValueError, match="not December 2019 wards"):
        evaluate_place_based(wh, wards=["E05999999"], start="2020-04", pfa_code=PFA)
    with pytest.raises(ValueError, match="give the treated areas"):
        evaluate_place_based(wh, start="2020-04", pfa_code=PFA)


# ---- 2021 LSOAs: the 2025 police.uk files, and a window that spans the change of codes ---------

IMD2025 = AS_STREET.parents[2] / "imd2025" / "imd2025_england_lsoa21.csv.gz"
LOOKUP_11_21 = AS_STREET.parents[2] / "geography" / "LSOA11_to_LSOA21_to_LAD22_lookup_EW_v2.csv.gz"
MIXED_MONTHS = ["2020-10", "2020-11", "2020-12", "2025-01", "2025-02", "2025-03", "2025-04"]


@pytest.fixture(scope="module")
def wh2021(tmp_path_factory):
    """2020 months on 2011 codes and 2025 months on 2021 codes, Avon and Somerset."""
    path = tmp_path_factory.mktemp("evaluation2021") / "w.duckdb"
    warehouse = connect(f"duckdb:///{path}")
    load_reference(warehouse, loaded_by="test")
    files = [AS_STREET / f"{m}-avon-and-somerset-street.csv.gz" for m in MIXED_MONTHS]
    ingest_police_uk(warehouse, files, loaded_by="test")
    yield warehouse
    warehouse.close()


def test_2021_lsoas_are_matched_on_imd_2025_read_from_the_published_file(wh2021):
    bristol21 = wh2021.ibis.sql(
        "SELECT lsoa_code FROM ref_lsoa WHERE la_name = 'Bristol, City of' AND in_2021 "
        "AND NOT in_2011 ORDER BY lsoa_code"
    ).execute()["lsoa_code"]
    treated = list(bristol21.iloc[:5])  # 2021-only codes: no IMD 2019 rank exists for them
    ev = evaluate_place_based(
        wh2021, lsoas=treated, start="2025-03", pfa_code=PFA, months_before=2, months_after=2
    )
    assert ev.lsoa_vintage == 2021 and ev.deprivation_index == "IMD 2025"
    assert ev.treated == tuple(sorted(treated))
    published = pd.read_csv(IMD2025).set_index("lsoa21_code")["IMD_rank"]
    balance = ev.matching.balance.set_index("variable")
    expected = published.reindex(treated).mean()
    assert balance.loc["deprivation_rank", "treated_mean"] == pytest.approx(expected)
    chosen = published.reindex(list(ev.matching.comparators))
    assert balance.loc["deprivation_rank", "comparators_mean"] == pytest.approx(chosen.mean())
    assert all(c.startswith("E01") for c in ev.matching.comparators)
    assert ev.population_source.startswith("Census 2021")
    assert any("IMD 2025" in c for c in ev.caveats)


def test_a_window_across_the_change_of_codes_is_counted_on_2021_lsoas(wh2021):
    # a 2011 code given for the treated area is carried to its best-fit 2021 LSOA
    lookup = pd.read_csv(LOOKUP_11_21, dtype=str, encoding="utf-8-sig")
    changed = lookup[
        (lookup["LSOA11CD"] != lookup["LSOA21CD"]) & (lookup["LAD22CD"] == "E06000023")
    ]
    old = sorted(changed["LSOA11CD"])[:3]
    ev = evaluate_place_based(
        wh2021, lsoas=old, start="2025-01", pfa_code=PFA, months_before=60, months_after=4, k=2
    )
    best_fit = dict(zip(lookup["LSOA11CD"], lookup["LSOA21CD"], strict=False))
    assert ev.lsoa_vintage == 2021 and ev.deprivation_index == "IMD 2025"
    assert set(ev.treated) == {best_fit[c] for c in old}
    assert any("best-fit 2021 LSOA" in c for c in ev.caveats)
    # the panel's counts: raw rows with 2011 codes carried by the published lookup, by hand
    rows = pd.concat(
        pd.read_csv(AS_STREET / f"{m}-avon-and-somerset-street.csv.gz", dtype=str)
        for m in MIXED_MONTHS
    )
    rows = rows[rows["Crime type"] == "Violence and sexual offences"].dropna(subset=["LSOA code"])
    only11 = set(lookup["LSOA11CD"]) - set(lookup["LSOA21CD"])
    rows["area"] = [best_fit[c] if c in only11 else c for c in rows["LSOA code"]]
    by_hand = rows.groupby(["area", "Month"]).size()
    panel = ev.panel.set_index(["area_code", "month"])["count"]
    assert (panel == by_hand.reindex(panel.index, fill_value=0)).all()
    assert set(ev.panel["month"]) == set(MIXED_MONTHS)
    assert ev.panel["population"].notna().all()  # Census 2021 residents of each 2021 LSOA


def test_a_2021_code_for_a_window_on_2011_lsoas_is_refused(wh, wh2021):
    new = wh.ibis.sql(
        "SELECT lsoa_code FROM ref_lsoa WHERE pfa_code = 'E23000036' AND in_2021 AND NOT in_2011 "
        "LIMIT 1"
    ).execute()["lsoa_code"]
    with pytest.raises(ValueError, match="give the 2011 LSOA codes"):
        evaluate_place_based(wh, lsoas=list(new), start="2020-04", pfa_code=PFA)
