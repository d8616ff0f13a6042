"""svduty.analysis.evidence.inequality: rates by IMD 2019 decile recomputed from the raw files and
the reference tables, the rate ratio and SII reproduced by hand on a small inline example, and the
association with partner indicators stated as an association with its n."""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from conftest import AS_STREET
from svduty.analysis.evidence import inequality, where
from svduty.analysis.stats import crude_rates, slope_index_of_inequality
from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.warehouse import connect
from svduty.warehouse.feed_ingest import ingest_feed
from svduty.warehouse.ingest import ingest_police_uk
from svduty.warehouse.reference_load import load_reference

PFA = "E23000036"
MONTHS = ["2018-01", "2018-02", "2018-03"]
MEASURE = "police-uk-violence"
VIOLENCE = "Violence and sexual offences"
LAS = ["E06000022", "E06000023", "E06000024", "E06000025", "E06000066"]


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    path = tmp_path_factory.mktemp("evidence_inequality") / "w.duckdb"
    warehouse = connect(f"duckdb:///{path}")
    load_reference(warehouse, loaded_by="test")
    paths = [AS_STREET / f"{m}-avon-and-somerset-street.csv.gz" for m in MONTHS]
    ingest_police_uk(warehouse, paths, loaded_by="test")
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def raw() -> Counter:
    """Violence by LSOA code in the raw files (csv module); None: no location."""
    counts: Counter = Counter()
    for m in MONTHS:
        path = AS_STREET / f"{m}-avon-and-somerset-street.csv.gz"
        text = gzip.decompress(path.read_bytes()).decode("utf-8-sig")
        for row in csv.DictReader(io.StringIO(text)):
            if row["Crime type"] == VIOLENCE:
                counts[row["LSOA code"] or None] += 1
    return counts


@pytest.fixture(scope="module")
def ref(wh):
    lsoa = wh.table("ref_lsoa").execute()
    force = lsoa[(lsoa["pfa_code"] == PFA) & lsoa["in_2011"]]
    imd = wh.table("ref_imd2019").execute()
    pop = wh.table("ref_population_lsoa11").execute()
    las = wh.table("ref_local_authority").execute()
    return {
        "force": set(force["lsoa_code"]),
        "la": dict(zip(force["lsoa_code"], force["la_code"], strict=True)),
        "pfa": dict(zip(lsoa["lsoa_code"], lsoa["pfa_code"], strict=True)),
        "decile": dict(zip(imd["lsoa11_code"], imd["imd_decile"], strict=True)),
        "pop": dict(zip(pop["lsoa11_code"], pop["population_mid2018"], strict=True)),
        # local authorities' rates are per Census 2021 residents, as everywhere else
        "la_pop": dict(zip(las["la_code"], las["population_2021"], strict=True)),
    }


@pytest.fixture(scope="module")
def result(wh):
    return inequality.deprivation(wh, MEASURE, PFA, years=[2018])


def test_a_decile_rate_recomputed_from_the_raw_files_and_the_reference(result, raw, ref):
    for decile in (1, 10):
        lsoas = {c for c in ref["force"] if ref["decile"][c] == decile}
        count = sum(raw[c] for c in lsoas)
        population = sum(ref["pop"][c] for c in lsoas)
        row = result.frame.set_index("imd_decile").loc[decile]
        assert row["count"] == count and row["lsoas"] == len(lsoas)
        assert row["population"] == population
        # three months: a quarter of a year of exposure, per 1,000 residents per year
        assert row["rate"] == pytest.approx(count / (population * 3 / 12) * 1000)
        check = crude_rates([count], [population / 4], 1000).iloc[0]
        assert (row["lower_95"], row["upper_95"]) == pytest.approx(
            (check["lower95_0cl"], check["upper95_0cl"])
        )
    # every LSOA of the force area is in a decile (England), and every row is accounted for
    assert result.frame["lsoas"].sum() == len(ref["force"]) == 1005
    assert result.frame["population"].sum() == sum(ref["pop"][c] for c in ref["force"])
    assert result.frame["count"].sum() + result.not_placed["count"].sum() == sum(raw.values())


def test_rows_not_in_a_decile_are_counted_on_their_own(result, raw, ref):
    by = dict(zip(result.not_placed["category"], result.not_placed["count"], strict=True))
    assert by[where.NO_LOCATION] == raw[None]
    outside = sum(n for c, n in raw.items() if c and ref["pfa"].get(c) != PFA)
    assert by[where.OUTSIDE] == outside > 0
    assert result.total == sum(raw.values())


def test_the_real_gradient_runs_from_most_to_least_deprived(result):
    g = result.gradient
    frame = result.frame.set_index("imd_decile")
    by_hand = (frame.loc[1, "count"] / frame.loc[1, "person_years"]) / (
        frame.loc[10, "count"] / frame.loc[10, "person_years"]
    )
    assert g.rate_ratio == pytest.approx(by_hand)
    assert g.rate_ratio_lower < g.rate_ratio < g.rate_ratio_upper
    # violence is higher where deprivation is greater: positive SII, RII above 1
    assert g.sii > 0 and g.rii > 1 and g.sii_lower < g.sii < g.sii_upper
    assert g.deciles_used == tuple(range(1, 11))
    d = json.loads(json.dumps(result.as_dict()))
    assert d["source"] == "police_uk_street" and d["synthetic"] is False
    assert "definition_version" in d and d["caveats"]
    assert len(d["deciles"]) == 10


# A small inline example: ten deciles, most deprived first.
COUNTS = [120, 100, 90, 80, 70, 60, 50, 45, 40, 30]
POPS = [10_000, 11_000, 12_000, 12_500, 13_000, 13_000, 12_000, 11_500, 11_000, 10_000]


def inline_deciles(counts=COUNTS, pops=POPS, years=1.0) -> pd.DataFrame:
    frame = pd.DataFrame({"imd_decile": range(1, 11), "count": counts, "population": pops})
    return where.with_rates(frame, years, 1000)


def test_the_rate_ratio_reproduces_a_hand_calculation():
    g = inequality.gradient(inline_deciles())
    rr = (120 / 10_000) / (30 / 10_000)
    se = math.sqrt(1 / 120 + 1 / 30)
    assert g.rate_ratio == pytest.approx(rr)
    assert g.rate_ratio_lower == pytest.approx(rr * math.exp(-1.959963984540054 * se))
    assert g.rate_ratio_upper == pytest.approx(rr * math.exp(1.959963984540054 * se))


def test_the_sii_reproduces_a_hand_fit_and_the_stats_function():
    frame = inline_deciles()
    # the PHE linear fit, by hand: weighted least squares of rate on the relative rank
    g = inequality.gradient(frame, transform=False, repetitions=1000, seed=1)
    a = np.array(POPS) / sum(POPS)
    rank = np.cumsum(a) - a / 2
    rates = np.array(COUNTS) / np.array(POPS) * 1000
    design = np.column_stack([np.ones(10), rank]) * np.sqrt(a)[:, None]
    (intercept, slope), *_ = np.linalg.lstsq(design, rates * np.sqrt(a), rcond=None)
    assert g.sii == pytest.approx(-slope)  # most deprived minus least deprived
    assert g.rii == pytest.approx(intercept / (intercept + slope))
    # the default log-linear fit, by hand, and the stats function's own answer
    g = inequality.gradient(frame, repetitions=1000, seed=1)
    (b0, b1), *_ = np.linalg.lstsq(design, np.log(rates) * np.sqrt(a), rcond=None)
    assert g.sii == pytest.approx(math.exp(b0) - math.exp(b0 + b1))
    assert g.rii == pytest.approx(math.exp(-b1))
    direct = slope_index_of_inequality(
        frame["population"],
        frame["rate"],
        value_type="rate",
        lower=frame["lower_95"],
        upper=frame["upper_95"],
        multiplier=-1,
        transform=True,
        repetitions=1000,
        seed=1,
    )
    assert (g.sii, g.sii_lower, g.sii_upper) == (direct.sii, direct.sii_lower, direct.sii_upper)
    assert (g.rii, g.rii_lower, g.rii_upper) == (direct.rii, direct.rii_lower, direct.rii_upper)


def test_a_decile_without_events_or_without_residents():
    counts = [*COUNTS[:9], 0]
    g = inequality.gradient(inline_deciles(counts=counts), repetitions=1000)
    assert math.isnan(g.rate_ratio_lower) and "at least one event" in g.rate_ratio_note
    assert not math.isnan(g.sii) and math.isnan(g.sii_lower) and "no events" in g.sii_note
    # an area with residents in five deciles only: the SII over those five, no rate ratio
    pops = [*POPS[:5], 0, 0, 0, 0, 0]
    g = inequality.gradient(inline_deciles(counts=[*COUNTS[:5], 0, 0, 0, 0, 0], pops=pops))
    assert math.isnan(g.rate_ratio) and "decile 10" in g.rate_ratio_note
    assert g.deciles_used == (1, 2, 3, 4, 5) and "5 of the 10 deciles" in g.sii_note
    pops = [*POPS[:4], 0, 0, 0, 0, 0, 0]
    g = inequality.gradient(inline_deciles(counts=[*COUNTS[:4], 0, 0, 0, 0, 0, 0], pops=pops))
    assert math.isnan(g.sii) and "at least 5 deciles" in g.sii_note
    # no denominators at all (an under-25 measure: no under-25 population by 2011 LSOA)
    frame = inline_deciles().assign(population=np.nan)
    g = inequality.gradient(where.with_rates(frame, 1.0, 1000))
    assert math.isnan(g.rate_ratio) and math.isnan(g.sii) and "no population" in g.sii_note


def education_file(tmp_path, rows) -> object:
    path = tmp_path / "education.csv"
    header = "Period start,Period end,Area code,Age band,Sex,Measure,Count,Denominator"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_association_with_partner_indicators_says_association_and_gives_n(wh, raw, ref, tmp_path):
    # each authority's violence rate, from the raw files and the reference read directly: per
    # Census 2021 residents, the local authority denominator
    rate = {}
    for la in LAS:
        lsoas = [c for c in ref["force"] if ref["la"][c] == la]
        count = sum(raw[c] for c in lsoas)
        rate[la] = count / (ref["la_pop"][la] * 3 / 12) * 1000
    order = sorted(LAS, key=rate.get)  # lowest violence first
    period = "2017-09-01,2018-08-31"
    rows = []
    for i, la in enumerate(order):
        # suspensions rise with violence (rho 1); permanent exclusions fall with it (rho -1)
        rows.append(f"{period},{la},,,suspensions,{100 + 50 * i},10000")
        rows.append(f"{period},{la},,,permanent_exclusions,{10 - i},10000")
    # neet: one authority suppressed, leaving four
    for i, la in enumerate(order):
        count = "*" if i == 0 else str(5 + i)
        rows.append(f"2017-12-01,2018-02-28,{la},16-17,,neet_16_17,{count},1000")
    loaded = ingest_feed(
        wh,
        "education",
        [education_file(tmp_path, rows)],
        pseudonymiser=Pseudonymiser(b"k" * 32),
        loaded_by="test",
    )
    assert [r.status for r in loaded] == ["loaded"]
    result = inequality.partner_association(wh, MEASURE, PFA)
    frame = result.frame.set_index("indicator")
    assert frame.loc["suspensions", "n"] == 5
    assert frame.loc["suspensions", "rho"] == pytest.approx(1.0)
    # exact: 2 of the 120 orderings are as extreme as a perfect rank correlation
    assert frame.loc["suspensions", "p_value"] == pytest.approx(2 / 120)
    assert frame.loc["permanent_exclusions", "rho"] == pytest.approx(-1.0)
    assert frame.loc["suspensions", "violence_months"] == 3  # Jan-Mar 2018 of Sep-Aug
    assert frame.loc["neet_16_17", "n"] == 4
    assert frame.loc["neet_16_17", "violence_months"] == 2  # Jan-Feb 2018 of Dec-Feb
    sentence = frame.loc["suspensions", "sentence"]
    assert "association" in sentence and "not evidence that one causes" in sentence
    assert "n = 5" in sentence and "5 areas cannot say much" in sentence
    assert "per 100 pupils" in sentence
    # the points behind it are the rates computed above
    points = result.points[result.points["indicator"] == "suspensions"].set_index("la_code")
    for la in LAS:
        assert points.loc[la, "violence_rate"] == pytest.approx(rate[la])
    assert points.loc[order[0], "indicator_value"] == pytest.approx(1.0)  # 100 per 10,000 pupils
    d = json.loads(json.dumps(result.as_dict()))
    assert d["synthetic"] is False and any("association" in c for c in d["caveats"])


def test_too_few_areas_or_no_variation_gives_no_correlation():
    rho, p, method = inequality._spearman(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    assert math.isnan(rho) and math.isnan(p) and method is None
    rho, p, method = inequality._spearman(np.ones(5), np.arange(5.0))
    assert math.isnan(rho) and math.isnan(p)
    sentence = inequality._sentence("suspensions", "Violence", math.nan, math.nan, 2, None)
    assert "n = 2" in sentence and "No association can be measured" in sentence
