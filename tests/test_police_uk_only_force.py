"""A force area other than Avon and Somerset, with police.uk data only: South Wales, 2025.

End to end through the commands a new partnership would run (init --force, ingest, status,
measures, sna, review, publish --period), built once for the module. Counts are recomputed here
from the raw police.uk files and the published ONS lookup (read with the csv module), never
from svduty's own code.
"""

from __future__ import annotations

import csv
import gzip
import html
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import shared_data as _shared
from svduty.cli import app

# A whole pipeline for another force (about 30 s): make test runs it, make test-fast does not
pytestmark = pytest.mark.slow


def _csv(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


STREET = _shared("police_uk", "street", "south-wales")
NATIONAL = _shared("geography", "national")
SOUTH_WALES = {  # W15000003's local authorities, as the ONS lookup lists them
    r["ltla24_code"]
    for r in _csv(NATIONAL / "lookup_ltla24_csp24_pfa24.csv.gz")
    if r["pfa24_code"] == "W15000003"
}
runner = CliRunner()


def _raw_rows() -> list[dict]:
    return [row for path in sorted(STREET.glob("*.csv.gz")) for row in _csv(path)]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("south-wales")
    env = {"SVDUTY_HOME": str(root / "home"), "SVDUTY_LOADED_BY": "test"}

    def run(*args: str) -> dict:
        result = runner.invoke(app, [*args, "--json"], env=env)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    out = {"env": env, "root": root, "run": run}
    out["init"] = run("init", "--force", "south-wales")
    out["ingest"] = run("ingest", "police-uk", str(STREET))
    out["sna"] = run("sna", "--period", "2025")
    # the template strategy runs from next year: the review of 2025 is outside it, and says so
    out["review"] = run("review", "--year", "2025", "--outside-period")
    out["publish"] = run("publish", "--period", "2025")
    return out


def _text(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_template_strategy_for_the_force_area_not_another_partnerships_example(home):
    (written,) = home["init"]["strategies_written"]
    assert Path(written).name == "south-wales.yaml"
    text = Path(written).read_text(encoding="utf-8")
    assert "example: true" in text and "Avon" not in text and "Somerset" not in text
    checked = runner.invoke(
        app, ["strategy", "check", written, "--skip-assessment", "--json"], env=home["env"]
    )
    assert checked.exit_code == 0, checked.output
    rendered = home["run"]("strategy", "render")
    page = _text(Path(rendered["path"]))
    assert rendered["example"] and "South Wales" in page


def test_every_raw_row_is_loaded(home):
    files = home["ingest"]["files"]
    assert len(files) == 12
    assert sum(f["rows_loaded"] for f in files) == len(_raw_rows())


def test_violence_per_local_authority_reconciles_with_the_raw_files(home):
    la_of = {
        r["lsoa21_code"]: r["ltla24_code"]
        for r in _csv(NATIONAL / "lookup_lsoa21_ward24_ltla24.csv.gz")
    }
    violence = [r for r in _raw_rows() if r["Crime type"] == "Violence and sexual offences"]
    expected = Counter(la_of.get(r["LSOA code"]) for r in violence)
    got = home["run"]("measures", "-m", "police-uk-violence", "--period", "calendar_year")
    by_area = {r["area_code"]: r for r in got["results"] if r["period"] == "2025"}
    assert set(by_area) == SOUTH_WALES | {"W15000003"}
    for la in SOUTH_WALES:
        assert by_area[la]["count"] == expected[la], la
    force = by_area["W15000003"]
    assert force["count"] == len(violence)  # every row of the force's files
    # set apart from the local authorities: no location, or an LSOA of another force area
    assert force["not_placed"] == len(violence) - sum(expected[la] for la in SOUTH_WALES)


def test_the_assessment_says_which_sources_it_lacks(home):
    annex = _text(Path(home["sna"]["annex"]))
    assert "South Wales" in annex
    # the five sections that read only the force's own records say so, each under its title
    titles = ("Serious violence by strand", "When", "Who", "What", "Triangulation")
    for title in titles:
        assert re.search(rf"\b{title}\b", annex)
    assert annex.count("This section needs the force's own crime records") == len(titles)
    for word in ("Avon", "Somerset", "nan", "NaN", "Violence Reduction Partnership"):
        assert not re.search(rf"\b{word}\b", annex), word
    assert str(home["root"]) not in annex


def test_the_maps_are_drawn_from_the_force_areas_own_lsoas(home):
    import duckdb

    lsoas = {
        r["lsoa21_code"]
        for r in _csv(NATIONAL / "lookup_lsoa21_ward24_ltla24.csv.gz")
        if r["ltla24_code"] in SOUTH_WALES
    }
    with duckdb.connect(str(Path(home["env"]["SVDUTY_HOME"]) / "warehouse.duckdb"), True) as db:
        stored = {
            code
            for (code,) in db.execute(
                "SELECT code FROM ref_boundary WHERE level = 'lsoa21' AND code LIKE 'W%'"
            ).fetchall()
        }
    assert stored == lsoas  # only the partnership's own, all of them


def test_review_and_public_site_are_built_for_the_force_area(home):
    review = _text(Path(home["review"]["path"]))
    assert "South Wales" in review and "Violence and sexual offences" in review
    site = Path(home["publish"]["site"])
    assert home["publish"]["areas"] == ["south-wales"]
    for page in site.rglob("*.html"):
        text = _text(page)
        for word in ("Avon", "Somerset", "nan", "NaN"):
            assert not re.search(rf"\b{word}\b", text), (page.name, word)


def test_a_partnerships_own_definition_resolves_by_id(home, monkeypatch):
    from svduty import definition

    own = Path(home["env"]["SVDUTY_HOME"]) / "definitions" / "south-wales-2025.yaml"
    own.parent.mkdir(exist_ok=True)
    shipped = definition.shipped()["home-office-core"].read_text(encoding="utf-8")
    own.write_text(shipped.replace("id: home-office-core", "id: south-wales-2025"), "utf-8")
    monkeypatch.setenv("SVDUTY_HOME", home["env"]["SVDUTY_HOME"])
    assert definition.load("south-wales-2025").id == "south-wales-2025"
    assert definition.resolve("south-wales-2025") == own


# City of London (one month, one authority) is built end to end in test_police_uk_forces_2025.py


def test_welsh_health_boards_are_called_local_health_boards(home):
    annex = _text(Path(home["sna"]["annex"]))
    assert "Cardiff and Vale University Health Board Local health board" in annex
    assert "Integrated care board" not in annex


def test_a_welsh_area_is_ranked_on_the_welsh_index_and_says_so(home):
    annex = _text(Path(home["sna"]["annex"]))
    assert "IMD decile (of England)" not in annex
    assert "England's most deprived tenth" not in annex
    assert "WIMD decile (of Wales)" in annex
    assert "by deprivation decile (WIMD 2019)" in annex
    assert "Welsh Index of Multiple Deprivation 2019 (Welsh Government)" in annex
    assert "Wales's WIMD 2019 deciles" in annex


def test_a_welsh_intervention_is_matched_on_wimd_within_wales(home):
    """A place-based evaluation in Cardiff on the 2025 files (2021 LSOAs): the Welsh index,
    comparison LSOAs from Wales only, ranks as published by the Welsh Government."""
    from svduty.analysis.evaluation import evaluate_place_based
    from svduty.warehouse import connect

    wimd = {
        r["lsoa11_code"]: int(r["IMD_rank"])
        for r in _csv(_shared("wimd2019") / "wimd2019_wales_lsoa11.csv.gz")
    }
    cardiff = sorted(
        r["lsoa21_code"]
        for r in _csv(NATIONAL / "lookup_lsoa21_ward24_ltla24.csv.gz")
        if r["ltla24_name"] == "Cardiff" and r["lsoa21_code"] in wimd  # unchanged since 2011
    )
    treated = cardiff[:6]
    path = Path(home["env"]["SVDUTY_HOME"]) / "warehouse.duckdb"
    wh = connect(f"duckdb:///{path}", read_only=True)
    try:
        ev = evaluate_place_based(
            wh, lsoas=treated, start="2025-07", pfa_code="W15000003", months_before=6
        )
    finally:
        wh.close()
    assert ev.deprivation_index == "WIMD 2019" and ev.lsoa_vintage == 2021
    assert all(code.startswith("W01") for code in ev.matching.comparators)
    balance = ev.matching.balance.set_index("variable")
    by_hand = sum(wimd[c] for c in treated) / len(treated)
    assert balance.loc["deprivation_rank", "treated_mean"] == pytest.approx(by_hand)
    assert any("WIMD 2019" in c and "not comparable with England" in c for c in ev.caveats)


def test_a_ward_map_of_welsh_wards_from_the_national_boundaries(home):
    import duckdb

    lookup = [
        r
        for r in _csv(NATIONAL / "lookup_lsoa21_ward24_ltla24.csv.gz")
        if r["ltla24_code"] in SOUTH_WALES
    ]
    wards = {r["ward24_code"]: r["ward24_name"] for r in lookup}
    assert wards and all(code.startswith("W05") for code in wards)
    with duckdb.connect(str(Path(home["env"]["SVDUTY_HOME"]) / "warehouse.duckdb"), True) as db:
        stored = dict(
            db.execute("SELECT code, name FROM ref_boundary WHERE level = 'ward24'").fetchall()
        )
    # every ward of the force area's authorities and no other; a ward that no LSOA best-fits
    # (the lookup gives its LSOAs to a neighbour) is drawn too, and named in a note
    assert set(wards) <= set(stored) and all(c.startswith("W05") for c in stored)
    boundary_only = {stored[c] for c in set(stored) - set(wards)}
    page = Path(home["sna"]["annex"]).read_text(encoding="utf-8")
    start = page.index('id="fig-where-wards"')
    figure = page[start : page.index("</figure>", start)]
    assert "<svg" in figure or "vega" in figure.lower()  # a map was drawn
    # its table: offences per ward, recounted from the raw rows through the ONS lookup
    ward_of = {r["lsoa21_code"]: r["ward24_code"] for r in lookup}
    violence = [r for r in _raw_rows() if r["Crime type"] == "Violence and sexual offences"]
    expected = Counter(ward_of[r["LSOA code"]] for r in violence if r["LSOA code"] in ward_of)
    text = _text(Path(home["sna"]["annex"]))
    busiest = expected.most_common(1)[0][0]
    assert wards[busiest] in _text_of(figure)
    rows = re.findall(r"<tr>(.*?)</tr>", figure, flags=re.S)
    counted = {}
    for row in rows:
        cells = [_text_of(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)]
        if len(cells) > 3 and cells[1] in wards:
            counted[cells[1]] = int(cells[3].replace(",", ""))
    assert counted == {code: expected.get(code, 0) for code in wards}
    assert "nan" not in text.split() and "None" not in text.split()
    for name in boundary_only:
        assert name in _text_of(figure) and "no 2021 LSOA" in _text_of(figure)


def _text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
