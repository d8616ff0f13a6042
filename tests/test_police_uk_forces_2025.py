"""Two more force areas end to end on their real 2025 police.uk files, as a new partnership would
run them: Thames Valley (eleven months: July 2025 is missing) and City of London (one month, one
local authority). init --force, ingest, status, measures, sna, strategy render, review, publish,
each built once for the module.

Counts per local authority and month are recounted here from the raw CSVs with pandas and the
ONS LSOA 2021 -> ward -> authority lookup as published (../shared/data), never through svduty's
code; rows placed in another force's LSOAs and rows with no location are counted apart and
every raw row is accounted for. Pages must not say "nan", leak a Python None or print a path.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import shared_data as _shared
from svduty.cli import app

# Two whole pipelines (about a minute of CPU together): make test runs them, test-fast does not
pytestmark = pytest.mark.slow

VIOLENCE = "Violence and sexual offences"
runner = CliRunner()


NATIONAL = _shared("geography", "national")
LSOA_LA = pd.read_csv(NATIONAL / "lookup_lsoa21_ward24_ltla24.csv.gz", dtype=str).set_index(
    "lsoa21_code"
)["ltla24_code"]
FORCES = pd.read_csv(NATIONAL / "lookup_ltla24_csp24_pfa24.csv.gz", dtype=str)


def _authorities(pfa_code: str) -> set[str]:
    """The force area's local authorities, as the ONS lookup lists them."""
    return set(FORCES.loc[FORCES["pfa24_code"] == pfa_code, "ltla24_code"])


def _raw(force: str) -> pd.DataFrame:
    """Every row of the force's 2025 files, each with the authority its LSOA lies in (null for
    no location or an LSOA the lookup lacks)."""
    files = sorted(_shared("police_uk", "street", force).glob("*.csv.gz"))
    rows = pd.concat([pd.read_csv(f, dtype=str) for f in files], ignore_index=True)
    rows["la"] = rows["LSOA code"].map(LSOA_LA)
    return rows


def _text(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _leaks(text: str, root: Path) -> list[str]:
    """Machine words on a page: nan, a Python None (not the English "None of ..."), a path."""
    found = [w for w in ("nan", "NaN", "Traceback") if re.search(rf"\b{w}\b", text)]
    found += [
        text[max(0, m.start() - 60) : m.end() + 20]
        for m in re.finditer(r"\bNone\b", text)
        if not re.match(r"None(:| of)\s+\w", text[m.start() :])
    ]
    if str(root) in text or "/tmp/" in text:
        found.append("a path")
    return found


def _pipeline(tmp_path_factory, force: str, period: str) -> dict:
    root = tmp_path_factory.mktemp(force)
    env = {"SVDUTY_HOME": str(root / "home"), "SVDUTY_LOADED_BY": "test"}

    def run(*args: str) -> dict:
        result = runner.invoke(app, [*args, "--json"], env=env)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    out = {"env": env, "root": root, "run": run}
    out["init"] = run("init", "--force", force)
    out["ingest"] = run("ingest", "police-uk", str(_shared("police_uk", "street", force)))
    out["status"] = run("status")
    out["measures"] = run("measures", "-m", "police-uk-violence", "--period", "month")
    out["sna"] = run("sna", "--period", period)
    out["strategy"] = run("strategy", "render")
    # the template strategy runs from a later year: reviewing 2025 is outside it, and says so
    out["review"] = run("review", "--year", "2025", "--outside-period")
    out["publish"] = runner.invoke(app, ["publish", "--period", "2025"], env=env)
    return out


@pytest.fixture(scope="module")
def thames(tmp_path_factory) -> dict:
    return _pipeline(tmp_path_factory, "thames-valley", "2025")


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> dict:
    return _pipeline(tmp_path_factory, "city-of-london", "2025-12..2025-12")


@pytest.fixture(scope="module", params=["thames", "city"])
def built(request) -> tuple[dict, str, str]:
    force = {"thames": ("thames-valley", "E23000029"), "city": ("city-of-london", "E23000034")}
    return request.getfixturevalue(request.param), *force[request.param]


def test_every_raw_row_is_loaded_and_status_reports_the_gap(thames):
    raw = _raw("thames-valley")
    files = thames["ingest"]["files"]
    assert len(files) == 11
    assert sum(f["rows_loaded"] for f in files) == len(raw)
    (coverage,) = thames["status"]["coverage"]
    assert coverage["months_loaded"] == 11 and coverage["rows_loaded"] == len(raw)
    assert coverage["missing_months"] == ["2025-07"] == coverage["gaps"]
    annex = _text(Path(thames["sna"]["annex"]))
    assert "police.uk has no data for 2025-07" in annex


def test_violence_per_authority_and_month_reconciles_with_the_raw_files(built):
    home, force, pfa = built
    raw = _raw(force)
    violence = raw[raw["Crime type"] == VIOLENCE]
    mine = _authorities(pfa)
    expected = violence[violence["la"].isin(mine)].groupby(["la", "Month"]).size()
    results = home["measures"]["results"]
    got = {(r["area_code"], r["period"]): r for r in results if r["period_type"] == "month"}
    months = sorted(violence["Month"].unique())
    assert {p for _, p in got} == set(months)  # no row for a month without data
    for la in mine:
        for month in months:
            assert got[(la, month)]["count"] == expected.get((la, month), 0), (la, month)
    # the force area: every row of its files; those not in one of its authorities set apart
    no_location = violence["LSOA code"].isna()
    elsewhere = violence["LSOA code"].notna() & ~violence["la"].isin(mine)
    for month in months:
        force_row = got[(pfa, month)]
        of_month = violence["Month"] == month
        assert force_row["count"] == int(of_month.sum())
        assert force_row["not_placed"] == int((of_month & (no_location | elsewhere)).sum())
    if force == "thames-valley":  # both kinds occur in these files: counted, never dropped
        assert no_location.any() and elsewhere.any()
        assert "2025-07" not in {p for _, p in got}


def test_the_assessment_draws_the_force_areas_wards(built):
    home, _, pfa = built
    annex = Path(home["sna"]["annex"]).read_text(encoding="utf-8")
    start = annex.index('id="fig-where-wards"')
    figure = _text_of(annex[start : annex.index("</figure>", start)])
    wards = pd.read_csv(NATIONAL / "lookup_lsoa21_ward24_ltla24.csv.gz", dtype=str)
    wards = wards[wards["ltla24_code"].isin(_authorities(pfa))]
    for code in wards["ward24_code"].unique():
        assert code in figure, code


def test_no_page_leaks_machine_words_or_paths(built):
    home, _, _ = built
    pages = [Path(home["sna"][k]) for k in ("path", "annex")]
    pages += [Path(home["strategy"]["path"]), Path(home["review"]["path"])]
    for page in pages:
        text = _text(page)
        assert not _leaks(text, home["root"]), (page.name, _leaks(text, home["root"]))
        assert "Avon" not in text, page.name
    assert home["strategy"]["example"]  # the template strategy, labelled as one


def test_a_part_year_is_refused_by_the_public_site_with_the_reason(built):
    home, _, _ = built
    result = home["publish"]
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "no measure has a complete calendar year" in result.output
    assert "load more months" in result.output


def test_city_of_london_authority_and_force_area_are_two_areas(city):
    result = runner.invoke(app, ["sna", "--area", "nowhere"], env=city["env"])
    assert result.exit_code == 1
    assert "city-of-london (E23000034, City of London)" in result.output
    assert "city-of-london-e09000001 (E09000001, City of London)" in result.output
    names = {r["area_code"]: r["area_name"] for r in city["measures"]["results"]}
    assert names == {"E23000034": "City of London", "E09000001": "City of London"}


def _text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
