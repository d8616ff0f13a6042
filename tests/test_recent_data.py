"""Issue 12, current data: the six bundled 2025 police.uk months (2021 LSOA codes) load and are
placed; the products say how recent their data are, label a part year with its months and set
it only against the same months of an earlier year. Counts are recounted from the raw street
files with the ONS lookups read here, not from svduty's own output."""

from __future__ import annotations

import csv
import gzip
import html
import re
from functools import cache
from pathlib import Path

import pytest

from svduty import reference
from svduty.cli.products import DEMO_REVIEW_YEAR
from svduty.products import recency
from svduty.synth import police as synth_police

FORCE = "avon-and-somerset"
SOMERSET = "E06000066"
# Somerset's four districts before the 2023 unitary, as the 2019 lookup names them
SOMERSET_DISTRICTS = {"E07000187", "E07000188", "E07000189", "E07000246"}
MONTHS_2025 = ("2025-01", "2025-02", "2025-03", "2025-04", "2025-09", "2025-12")
PART_YEAR = "2025, six months: January to April, September and December"
VIOLENCE = "Violence and sexual offences"


# ---- no warehouse -------------------------------------------------------------------------------


def test_a_part_year_is_labelled_with_its_months_and_a_whole_year_is_not():
    held = recency.year_held(["2020-01", *MONTHS_2025])
    assert held.year == 2025 and not held.complete
    assert held.label() == PART_YEAR
    assert held.gaps() == "May to August, October and November"
    whole = recency.year_held([f"2020-{m:02d}" for m in range(1, 13)])
    assert whole.complete and whole.label() == "2020" and whole.gaps() == ""
    assert recency.year_held(["2025-12"]).label() == "2025, one month: December"
    assert recency.year_held([]) is None


def test_like_for_like_is_the_latest_earlier_year_holding_every_month():
    latest = recency.year_held(MONTHS_2025)
    every = [f"{y}-{m:02d}" for y in (2019, 2020) for m in range(1, 13)]
    # 2021 lacks December and 2023 holds only January: 2020 is the year to compare with
    held = [*every, *(f"2021-{m:02d}" for m in range(1, 10)), "2023-01", *MONTHS_2025]
    assert recency.like_for_like_year(held, latest) == 2020
    assert recency.like_for_like_year(["2023-01", *MONTHS_2025], latest) is None


def test_the_synthetic_extracts_stay_on_the_months_before_2025():
    bundled = {p.name[:7] for p in _street_paths()}
    assert set(MONTHS_2025) <= bundled
    used = {p.name[:7] for p in synth_police.street_files()}
    assert used == {m for m in bundled if m <= synth_police.LAST_SYNTH_MONTH}
    assert not used & set(MONTHS_2025)


# ---- the raw files, read here -------------------------------------------------------------------


def _street_paths() -> list[Path]:
    folder = reference.data_path("police_uk", "street", FORCE)
    return sorted(folder.glob(f"*-{FORCE}-street.csv.gz"))


@cache
def _rows(month: str) -> tuple[dict, ...]:
    path = reference.data_path("police_uk", "street", FORCE) / f"{month}-{FORCE}-street.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as f:
        return tuple(csv.DictReader(f))


@cache
def _lookup(name: str, code: str, area: str) -> dict[str, str]:
    path = reference.data_path("geography", name)
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as f:
        return {r[code]: r[area] for r in csv.DictReader(f)}


def _in_somerset(row: dict) -> bool:
    code = row["LSOA code"]
    if code in _lookup("lookup_lsoa21_ward24_ltla24.csv.gz", "lsoa21_code", "ltla24_code"):
        return (
            _lookup("lookup_lsoa21_ward24_ltla24.csv.gz", "lsoa21_code", "ltla24_code")[code]
            == SOMERSET
        )
    lad19 = _lookup("LSOA11_to_WD19_to_LAD19_lookup_EW.csv.gz", "LSOA11CD", "LAD19CD")
    return lad19.get(code) in SOMERSET_DISTRICTS


def _count(months, area: str, crime_type: str = VIOLENCE) -> int:
    return sum(
        1
        for m in months
        for r in _rows(m)
        if r["Crime type"] == crime_type and (area == FORCE or _in_somerset(r))
    )


# ---- the warehouse ------------------------------------------------------------------------------


def test_the_2025_months_load_whole_and_their_2021_lsoas_are_placed(demo_wh):
    loaded = demo_wh._raw.execute(
        "select strftime(month, '%Y-%m') m, count(*) n, count(lsoa_code) located "
        "from police_uk_street where month >= date '2025-01-01' group by 1 order by 1"
    ).fetchall()
    assert [m for m, _, _ in loaded] == list(MONTHS_2025)
    for month, n, located in loaded:
        assert n == len(_rows(month)), month
        assert located == sum(1 for r in _rows(month) if r["LSOA code"]), month
    # every 2021 LSOA of the force area's files is in ref_lsoa, with its local authority
    codes = {r["LSOA code"] for m in MONTHS_2025 for r in _rows(m) if r["LSOA code"]}
    known = {
        c
        for (c,) in demo_wh._raw.execute(
            "select lsoa_code from ref_lsoa where la_code is not null"
        ).fetchall()
    }
    ltla = _lookup("lookup_lsoa21_ward24_ltla24.csv.gz", "lsoa21_code", "ltla24_code")
    assert codes <= set(ltla), "the 2025 files use 2021 LSOA codes"
    assert codes <= known
    # and Somerset's count over its LSOAs of both vintages is the count the raw files give
    placed = demo_wh._raw.execute(
        "select count(*) from police_uk_street s join ref_lsoa l using (lsoa_code) "
        f"where l.la_code = '{SOMERSET}' and s.month >= date '2025-01-01' "
        f"and s.crime_type = '{VIOLENCE}'"
    ).fetchone()[0]
    assert placed == _count(MONTHS_2025, "somerset")


# ---- the products -------------------------------------------------------------------------------


def _text(page: str) -> str:
    page = re.sub(r"<(svg|style|script)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _change(now: int, then: int) -> str:
    p = 100 * (now / then - 1)
    return f"{abs(p):.1f}% {'more' if p >= 0 else 'fewer'}"


@pytest.mark.parametrize("area", (FORCE, "somerset"))
def test_the_assessment_dates_its_latest_statement_and_labels_the_part_year(demo_config, area):
    folder = demo_config.home / "products" / area / "sna"
    board = _text((folder / "index.html").read_text(encoding="utf-8"))
    annex = _text((folder / "annex.html").read_text(encoding="utf-8"))
    now = _count(MONTHS_2025, area)
    then = _count([f"2020-{m[5:]}" for m in MONTHS_2025], area)
    said = re.search(r"How recent: (.*?) The most recent data", board).group(1)
    assert said.startswith("Annual figures cover 2018 to 2020.")
    assert f"The most recent police.uk data are for {PART_YEAR}: {now:,} violence" in said
    assert f"{_change(now, then)}" in said and "than in the same months of 2020" in said
    assert said in annex
    # the annex's section: the gaps, the COVID-19 note on 2020, the table of both years
    assert "The most recent data" in annex
    assert "May to August, October and November 2025" in annex
    assert "2021-10 to 2022-12; 2023-02 to 2024-12; 2025-05 to 2025-08; 2025-10 to 2025-11" in annex
    assert "COVID-19" in annex
    row = re.search(rf"{VIOLENCE} ({now:,}) [\d.]+ ({then:,}) ", annex)
    assert row, "the table's violence row: the count now, its rate, the count then"


def test_the_demo_reviews_2025_inside_the_strategy_period_with_the_part_year_labelled(
    demo_config,
):
    assert DEMO_REVIEW_YEAR == 2025
    for area in (FORCE, "somerset"):
        page = (demo_config.home / "products" / area / "review-2025" / "index.html").read_text(
            encoding="utf-8"
        )
        text = _text(page)
        assert "before the strategy started" not in text and "after the strategy ended" not in text
        assert "2025 (January to April, September and December)" in text
        assert "no data for 2025" in text  # the synthetic feeds stop in 2023: not compared


@pytest.mark.parametrize("area", (FORCE, "somerset"))
def test_the_public_summary_says_how_recent_without_a_count(demo_config, area):
    page = (demo_config.home / "site" / area / "assessment.html").read_text(encoding="utf-8")
    said = re.search(r'<p class="recency">(.*?)</p>', page, re.S)
    assert said, "the public summary says how recent its data are"
    words = _text(said.group(1))
    assert PART_YEAR in words and "2018 to 2020" in words
    assert not re.search(r"\d", re.sub(r"\b20\d\d\b", "", words)), words
