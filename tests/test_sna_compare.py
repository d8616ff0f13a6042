"""The assessment's comparison with England and Wales and with similar partnerships
(svduty.products.assessment.compare, svduty.analysis.evidence.similar), checked against the
bundled files read here with pandas alone: the ONS workbook's Tables C2 and C4, the IoD 2019
files and the ONS 2019 district lookup. The similar set, the rates, their 95% limits (Byar's
formula written out) and the words of the comparison are recomputed, not read back.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from svduty.analysis.evidence import similar
from svduty.products.area import resolve
from svduty.products.assessment import compare
from svduty.products.assessment.scope import Context

DATA = Path(__file__).resolve().parent.parent / "src/svduty/data"
WORKBOOK = DATA / "ons_prc/policeforceareatablesyedecember2024.xlsx"
VAP = "Violence against the person"


def _sheet(name: str) -> pd.DataFrame:
    raw = pd.read_excel(WORKBOOK, sheet_name=name, header=None)
    head = raw.index[raw[0].astype(str).str.startswith("Police Force")][0]
    frame = raw.iloc[head + 1 :].copy()
    frame.columns = [" ".join(str(c).split()) for c in raw.iloc[head]]
    return frame.dropna(subset=["Police Force Area code"])


@pytest.fixture(scope="module")
def bundled():
    return read_bundled()


@functools.cache
def read_bundled():
    """Everything the comparison rests on, read from the bundled files with pandas."""
    c2, c4 = _sheet("Table C2"), _sheet("Table C4")
    population = next(c for c in c4.columns if c.startswith("Population figures"))
    csp = "Community Safety Partnership code"
    imd = pd.read_csv(DATA / "imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv.gz")
    pop = pd.read_csv(DATA / "imd2019/File_6_-_IoD2019_Population_Denominators.csv.gz")
    lsoas = imd.iloc[:, [0, 2, 4]].set_axis(["lsoa", "lad", "rank"], axis=1)
    lsoas["people"] = pop.iloc[:, 4].astype(str).str.replace(",", "").astype(float).to_numpy()
    lookup = pd.read_csv(DATA / "geography/LAD19_to_CSP19_to_PFA19_lookup_EW.csv.gz")
    return {"c2": c2, "c4": c4, "population": population, "csp": csp, "lsoas": lsoas,
            "lookup": lookup}  # fmt: skip


def _average_ranks(b, column: str) -> pd.Series:
    per = b["lookup"].groupby("LAD19CD")[column].nunique()
    split = set(b["lookup"].loc[b["lookup"]["LAD19CD"].isin(per[per > 1].index), column])
    unique = b["lookup"][b["lookup"]["LAD19CD"].isin(per[per == 1].index)]
    lsoas = b["lsoas"].merge(unique[["LAD19CD", column]], left_on="lad", right_on="LAD19CD")
    lsoas = lsoas[~lsoas[column].isin(split)]
    sums = (lsoas["rank"] * lsoas["people"]).groupby(lsoas[column]).sum()
    return sums / lsoas.groupby(column)["people"].sum()


@functools.cache
def _rural_shares(column: str) -> pd.Series:
    """Share of Census 2021 residents in rural 2021 LSOAs per partnership (CSP19CD) or force
    (PFA19CD), from the raw files by another route than svduty's: each 2021 LSOA by its May 2024
    authority (ONS ward lookup), the authority to its 2019 districts by ONS's code history, and
    those to their one partnership (an authority whose districts lie in several is left out)."""
    ruc = pd.read_csv(DATA / "geography/ruc21_lsoa21.csv.gz")
    census = pd.read_csv(DATA / "population/census2021_LSOA21_usual_residents_by_age6_EW.csv.gz")
    people = census.groupby("lsoa21_code")["usual_residents"].sum()
    ltla = pd.read_csv(DATA / "geography/lookup_lsoa21_ward24_ltla24.csv.gz")
    history = pd.read_csv(DATA / "geography/la_all_codes.csv.gz")
    active = dict(zip(history["LADCD"], history["LADCD_ACTIVE"], strict=True))
    lookup = read_bundled()["lookup"]
    per_lad = lookup.groupby("LAD19CD")[column].nunique()
    split = set(lookup.loc[lookup["LAD19CD"].isin(per_lad[per_lad > 1].index), column])
    lookup = lookup.assign(current=lookup["LAD19CD"].map(active))
    per_current = lookup.groupby("current")[column].agg(lambda s: set(s))
    area = {
        la: next(iter(codes))
        for la, codes in per_current.items()
        if len(codes) == 1 and not codes & split
    }
    lsoas = ruc.merge(ltla[["lsoa21_code", "ltla24_code"]], on="lsoa21_code")
    lsoas["area"] = lsoas["ltla24_code"].map(active).map(area)
    lsoas["people"] = lsoas["lsoa21_code"].map(people)
    lsoas = lsoas.dropna(subset=["area"])
    rural = lsoas[lsoas["ruc"] == "Rural"].groupby("area")["people"].sum()
    return (
        rural.reindex(lsoas["area"].unique(), fill_value=0) / lsoas.groupby("area")["people"].sum()
    )


def _nearest(table: pd.DataFrame, own: str, n: int) -> list[str]:
    """table: code -> population, rank, rural; the n nearest to own on standardised log size,
    average rank and rural share."""
    z = pd.DataFrame(
        {"size": np.log10(table["population"]), "rank": table["rank"], "rural": table["rural"]}
    )
    z = (z - z.mean()) / z.std()
    distance = np.sqrt(((z - z.loc[own]) ** 2).sum(axis=1)).drop(own)
    return list(distance.sort_values().index[:n])


def _byar(x: float) -> tuple[float, float]:
    z = 1.959963984540054
    lower = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
    return lower, upper


def _word(lower: float, upper: float, other: float) -> str:
    return "higher" if lower > other else "lower" if upper < other else "similar"


@pytest.fixture(scope="module")
def somerset(demo_wh, demo_partnership):
    ctx = Context.make(
        demo_wh, demo_partnership, resolve(demo_partnership, "somerset"), None,
        permutations=99, seed=1,
    )  # fmt: skip
    return compare.comparison_section(ctx)


def test_the_similar_partnerships_are_the_nearest_in_size_and_deprivation(bundled, somerset):
    b = bundled
    c4 = b["c4"][b["c4"][b["csp"]].astype(str).str.startswith("E22")]
    c4 = c4[pd.to_numeric(c4[VAP], errors="coerce").notna()].drop_duplicates(b["csp"])
    ranks = _average_ranks(b, "CSP19CD")
    table = pd.DataFrame(
        {
            "population": c4.set_index(b["csp"])[b["population"]].astype(float),
            "rank": ranks,
            "rural": _rural_shares("CSP19CD"),
        }
    ).dropna()
    expected = _nearest(table, "E22000369", 10)
    shown = next(p for p in somerset.section.parts if getattr(p, "id", "") == "tbl-compare-similar")
    assert list(shown.frame["Code"]) == ["E22000369", *expected]
    assert shown.frame["Area"].iloc[0] == "Somerset"
    # rural Somerset sits with rural counties, not with cities of its size and deprivation
    assert not {"Sheffield", "Croydon", "Barnet"} & set(shown.frame["Area"])
    rural = shown.frame.set_index("Code")["Residents in rural LSOAs (%)"]
    expected_rural = (table["rural"] * 100).reindex(rural.index)
    assert np.allclose(rural.to_numpy(dtype=float), expected_rural.to_numpy(), atol=0.051)
    # ONS's "Bristol, City of" is named as a reader says it, if it is among them
    assert not any(", City of" in a for a in shown.frame["Area"])
    text = " ".join(p.text for p in somerset.section.parts if p.kind == "paragraph")
    for said in ("10 English community safety partnerships nearest", "mid-2022", "average rank",
                 "rurality", "rural-urban classification",
                 "year ending December 2024", "Table C2", "Table C4"):  # fmt: skip
        assert said in text


def test_rates_intervals_and_comparisons_are_recomputed_from_the_workbook(bundled, somerset):
    b = bundled
    c2 = b["c2"]
    named = c2["Community Safety Partnership name"].notna()  # partnerships, unassigned, airport
    csps = c2[c2[b["csp"]].notna()].drop_duplicates(b["csp"]).set_index(b["csp"])
    c4 = b["c4"][b["c4"][b["csp"]].notna()].drop_duplicates(b["csp"]).set_index(b["csp"])
    people = c4[b["population"]].astype(float)
    shown = next(
        p for p in somerset.section.parts if getattr(p, "id", "") == "tbl-compare-offences"
    )
    similar_codes = list(
        next(
            p for p in somerset.section.parts if getattr(p, "id", "") == "tbl-compare-similar"
        ).frame["Code"][1:]
    )
    rows = shown.frame.set_index("Offence group")
    checked = 0
    for offence in (VAP, "Sexual offences", "Robbery", "Possession of weapons offences"):
        count = float(csps.loc["E22000369", offence])
        rate = count / people["E22000369"] * 1000
        lower, upper = (v / people["E22000369"] * 1000 for v in _byar(count))
        ew = pd.to_numeric(c2.loc[named, offence], errors="coerce").sum() / people.sum() * 1000
        pooled = (
            csps.loc[similar_codes, offence].astype(float).sum()
            / people[similar_codes].sum()
            * 1000
        )
        row = rows.loc[offence]
        assert row["Rate per 1,000 residents"] == pytest.approx(rate, rel=1e-9)
        assert (row["Lower 95%"], row["Upper 95%"]) == pytest.approx((lower, upper), rel=1e-9)
        assert row["England and Wales rate"] == pytest.approx(ew, rel=1e-9)
        assert row["Similar partnerships rate"] == pytest.approx(pooled, rel=1e-9)
        assert row["Compared with England and Wales"] == _word(lower, upper, ew)
        assert row["Compared with similar partnerships"] == _word(lower, upper, pooled)
        checked += 1
    assert checked == 4
    finding = somerset.findings[0]
    assert finding.rule == "similar-comparison"
    assert finding.counts == {"count": int(csps.loc["E22000369", VAP])}
    assert f"{rows.loc[VAP, 'Rate per 1,000 residents']:.1f} per 1,000" in finding.text


def test_the_force_area_is_compared_with_the_nearest_english_forces(
    bundled, demo_wh, demo_partnership
):
    b = bundled
    c4 = b["c4"][b["c4"][b["csp"]].isna() & b["c4"]["Police Force Area code"].str.startswith("E23")]
    c4 = c4[pd.to_numeric(c4[VAP], errors="coerce").notna()].set_index("Police Force Area code")
    table = pd.DataFrame(
        {
            "population": c4[b["population"]].astype(float),
            "rank": _average_ranks(b, "PFA19CD"),
            "rural": _rural_shares("PFA19CD"),
        }
    ).dropna()
    ctx = Context.make(
        demo_wh, demo_partnership, resolve(demo_partnership, "avon-and-somerset"), None,
        permutations=99, seed=1,
    )  # fmt: skip
    built = compare.comparison_section(ctx)
    shown = next(p for p in built.section.parts if getattr(p, "id", "") == "tbl-compare-similar")
    assert list(shown.frame["Code"]) == ["E23000036", *_nearest(table, "E23000036", 5)]


def test_a_missing_or_negative_figure_is_never_compared():
    assert similar.versus(30.0, 29.0, 31.0, float("nan")) is None
    assert similar.versus(float("nan"), float("nan"), float("nan"), 30.0) is None
    assert similar.versus(30.0, 29.0, 31.0, 28.0) == "higher"
    assert similar.versus(30.0, 29.0, 31.0, 30.5) == "similar"
    counts = pd.DataFrame(
        {
            "area_code": ["A", "B", None],
            "area_name": ["A", "B", "Unassigned X"],
            "area_type": [similar.CSP, similar.CSP, "unassigned"],
            "measure": "robbery",
            "value": [-2.0, 40.0, 1.0],
            "period_label": "year ending December 2024",
        }
    )
    counts = pd.concat([counts.assign(measure=m) for m in similar.OFFENCES], ignore_index=True)
    profile = pd.DataFrame({"code": ["A", "B"], "name": ["A", "B"], "similar": [False, True]})
    populations = pd.Series({"A": 1000.0, "B": 2000.0})
    rates = similar._rates(counts, populations, 3000.0, profile, "A", "A")
    own = rates[(rates["group"] == "own")]
    assert own["rate"].isna().all()  # a negative count is not a count
    assert own["vs_england_and_wales"].isna().all() and own["vs_similar"].isna().all()
    pooled = rates[rates["group"] == "similar_pooled"]
    assert pooled["rate"].iloc[0] == pytest.approx(40 / 2000 * 1000)


def test_a_welsh_partnership_is_compared_with_england_and_wales_alone(demo_wh):
    """The IMD 2019 is England's: a Welsh partnership gets no similar set, says why, and is
    still compared with England and Wales."""
    found = similar.compare(demo_wh, similar.CSP, "W14000018", "Caerphilly")
    assert found is not None and found.n == 0
    assert list(found.profile["code"]) == ["W14000018"]
    assert any("only English ones" in n for n in found.notes)
    own = found.own("violence_against_the_person")
    assert own["vs_england_and_wales"] in ("higher", "lower", "similar")
    assert own["vs_similar"] is None  # nothing to compare with: never compared
    assert set(found.rates["group"]) == {"own", "england_and_wales"}


def test_an_area_not_in_the_tables_has_no_comparison(demo_wh):
    assert similar.compare(demo_wh, similar.CSP, "E22999999", "Nowhere") is None


def expected_violence(code: str) -> list[str]:
    """The numbers the assessment's comparison finding quotes for the partnership (E22) or
    force (E23) ``code``, as it writes them: the rate of violence against the person, the
    count, England and Wales's rate, the number of similar areas and their rate together,
    recomputed from the bundled files (test_sna_board checks the board's sentence by it)."""
    b = read_bundled()
    force = code.startswith("E23")
    c2, c4 = b["c2"], b["c4"]
    column, n = ("PFA19CD", 5) if force else ("CSP19CD", 10)

    def rows(t):  # a force's total row (no partnership code), or one row per partnership
        if force:
            total = t[b["csp"]].isna() & t["Community Safety Partnership name"].isna()
            return t[total].set_index("Police Force Area code")
        return t[t[b["csp"]].notna()].drop_duplicates(b["csp"]).set_index(b["csp"])

    counts, level4 = rows(c2), rows(c4)
    level4 = level4[level4.index.astype(str).str.startswith("E")]
    rated = level4[pd.to_numeric(level4[VAP], errors="coerce").notna()]
    table = pd.DataFrame(
        {
            "population": rated[b["population"]].astype(float),
            "rank": _average_ranks(b, column),
            "rural": _rural_shares(column),
        }
    ).dropna()
    near = _nearest(table, code, n)
    people = pd.to_numeric(level4[b["population"]], errors="coerce")
    csp_people = pd.to_numeric(
        c4[c4[b["csp"]].notna()].drop_duplicates(b["csp"])[b["population"]], errors="coerce"
    )
    named = c2["Community Safety Partnership name"].notna()
    count = float(counts.loc[code, VAP])
    ew = pd.to_numeric(c2.loc[named, VAP], errors="coerce").sum() / csp_people.sum() * 1000
    pooled = counts.loc[near, VAP].astype(float).sum() / people[near].sum() * 1000
    return [
        f"{count / people[code] * 1000:.1f}",
        f"{int(count):,}",
        f"{ew:.1f}",
        str(n),
        f"{pooled:.1f}",
    ]
