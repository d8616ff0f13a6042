"""Repeat victims and suspects, the victim-offender overlap and ages at first appearance
(svduty.analysis.evidence.people, `svduty people`), on a small police crime extract loaded
through the real feed. Every expected value is worked out by hand from the rows written here
(the comments beside them), never read back from the code under test."""

from __future__ import annotations

import json
import math

import pytest
from scipy import stats
from typer.testing import CliRunner

from svduty.analysis.evidence.people import NOT_PLACED, OUTSIDE, people
from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.warehouse import connect
from svduty.warehouse.feed_ingest import ingest_feed
from svduty.warehouse.reference_load import load_reference

KEY = Pseudonymiser(b"p" * 32)
HEADER = (
    "Crime reference,Offence code,Recorded date,Offence from,Offence to,LSOA code,"
    "Location type,Victim age,Victim sex,Victim reference,Suspect age,Suspect reference,"
    "Knife or sharp instrument,Firearm,Domestic abuse,Alcohol related,Drug related,"
    "Exploitation or county lines"
)
HOME = "E01014399"  # an Avon and Somerset LSOA
AWAY = "E01000001"  # City of London 001A: another force area
# ref, code, recorded, LSOA, victim age, sex, victim ref, suspect age, suspect ref, knife.
# In asvrp-2023's scope: 8N with a knife in the street against a victim under 25 (knife-crime)
# or against a woman (vawg); 49 (other theft) is not.
ROWS = [
    ("R1", "8N", "2022-01-05", HOME, "19", "M", "V1", "20", "S1", "Y"),  # in
    ("R2", "8N", "2022-03-05", HOME, "19", "M", "V1", "30", "S2", "Y"),  # in
    ("R3", "49", "2022-04-05", HOME, "40", "F", "V2", "", "", "N"),  # out of scope
    ("R4", "8N", "2022-05-05", AWAY, "40", "F", "V2", "20", "S1", "Y"),  # in, another force
    ("R5", "8N", "2022-06-05", HOME, "17", "M", "X", "", "", "Y"),  # in
    ("R6", "49", "2022-07-05", HOME, "50", "F", "V3", "17", "X", "N"),  # out: X as suspect
    ("R7", "8N", "2022-08-05", "", "50", "F", "V3", "", "", "Y"),  # in, no LSOA
    ("R8", "8N", "2022-09-05", HOME, "30", "F", "", "30", "S2", "Y"),  # in (vawg), no victim ref
    ("R9", "8N", "2023-02-05", HOME, "20", "M", "V1", "", "", "Y"),  # in; V1 first seen 2022
    ("R10", "8N", "2023-06-05", HOME, "15", "F", "Y1", "", "", "Y"),  # in; first seen at 15
    ("R11", "8N", "2023-07-05", HOME, "8", "F", "W1", "30", "Z1", "Y"),  # W1 at 8; Z1 at 30
]


def _line(r) -> str:
    ref, code, day, lsoa, vage, vsex, vref, sage, sref, knife = r
    place = [day, day + " 21:00", "", lsoa, "street"]
    return ",".join([ref, code, *place, vage, vsex, vref, sage, sref, knife, *"NNNNN"])


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("people")
    path = tmp / "police.csv"
    path.write_text("\n".join([HEADER, *map(_line, ROWS)]) + "\n", encoding="utf-8")
    w = connect(f"duckdb:///{tmp / 'w.duckdb'}")
    load_reference(w, loaded_by="test")
    results = ingest_feed(w, "police-crime", [path], pseudonymiser=KEY, loaded_by="t")
    assert all(r.status == "loaded" and r.rows_quarantined == 0 for r in results), results
    yield w
    w.close()


@pytest.fixture(scope="module")
def home(wh):
    ref = wh.table("ref_lsoa")
    found = ref.filter(ref.lsoa_code == HOME).select("la_name", "pfa_code").execute()
    return found.iloc[0]


@pytest.fixture(scope="module")
def result(wh, home):
    return people(wh, definition="asvrp-2023", pfa_code=home.pfa_code)


def wilson(x, n, level=0.95):
    """Wilson score limits, from their formula (docs/sources.md, "Rates and intervals")."""
    z = stats.norm.ppf(1 - (1 - level) / 2)
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def row(frame, **where):
    rows = frame
    for k, v in where.items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1, (where, rows)
    return rows.iloc[0]


def test_repeat_victims_count_crimes_of_any_kind_in_the_year(result):
    v = row(result.repeats, year=2022, area="all", role="victim")
    # in scope in 2022 as victims: V1 (R1, R2), V2 (R4; R3 is theft), X (R5), V3 (R7; R6 theft)
    assert v.people == 4
    # two or more crimes of any kind in 2022: V1, V2 and V3; X has one as a victim
    assert v.repeat_people == 3
    # in-scope crimes with a victim token: R1, R2, R4, R5, R7; of repeat victims: all but R5
    assert (v.crimes, v.crimes_of_repeat, v.unlinked) == (5, 4, 1)  # R8: no victim reference
    assert v.share == pytest.approx(4 / 5)
    low, high = wilson(4, 5)
    assert (v.lower_95, v.upper_95) == (pytest.approx(low), pytest.approx(high))
    assert not v.complete  # eight months of 2022 have records


def test_repeat_suspects(result):
    s = row(result.repeats, year=2022, area="all", role="suspect")
    # S1 on R1 and R4, S2 on R2 and R8: both repeat; R5 and R7 have no suspect
    assert (s.people, s.repeat_people, s.crimes, s.crimes_of_repeat, s.unlinked) == (
        2, 2, 4, 4, 2,
    )  # fmt: skip


def test_a_year_later_is_counted_on_its_own(result):
    v = row(result.repeats, year=2023, area="all", role="victim")
    # V1 (R9), Y1 (R10), W1 (R11): one crime each in 2023
    assert (v.people, v.repeat_people, v.crimes, v.crimes_of_repeat) == (3, 0, 3, 0)
    assert v.share == 0


def test_areas_name_the_authority_another_force_and_no_location(result, home):
    victims = result.repeats[(result.repeats.year == 2022) & (result.repeats.role == "victim")]
    by_area = victims.set_index("area")
    assert by_area.loc[home.la_name, "crimes"] == 3  # R1, R2, R5
    assert by_area.loc[OUTSIDE, "crimes"] == 1  # R4 in City of London
    assert by_area.loc[NOT_PLACED, "crimes"] == 1  # R7
    # the rows of each area add up to the total's crimes (a person counts once per area)
    assert by_area.drop("all")["crimes"].sum() == by_area.loc["all", "crimes"]


def test_by_sex_and_age_is_crime_based(result):
    g = result.repeats_by_group
    men = row(g, year=2022, role="victim", sex="Male", age_band="18-24")
    assert (men.crimes, men.crimes_of_repeat) == (2, 2)  # R1, R2 (V1, 19)
    boys = row(g, year=2022, role="victim", sex="Male", age_band="10-17")
    assert (boys.crimes, boys.crimes_of_repeat) == (1, 0)  # R5 (X, 17)


def test_overlap_counts_a_person_in_both_roles(result):
    o = row(result.overlap, year=2022)
    # in scope in either role: V1, V2, X, V3 (victims) and S1, S2 (suspects)
    assert o.people == 6
    # X: victim of R5 (in scope) and suspect of R6 (a theft) in 2022
    assert (o.both, o.victims, o.victims_also_suspects) == (1, 4, 1)
    assert (o.suspects, o.suspects_also_victims) == (2, 0)
    low, high = wilson(1, 6)
    assert o.share == pytest.approx(1 / 6)
    assert (o.lower_95, o.upper_95) == (pytest.approx(low), pytest.approx(high))
    assert row(result.overlap, year=2023).both == 0


def test_first_ages_leave_out_the_first_year_and_people_over_25(result):
    # first seen from 2023-01 on (the extract starts 2022-01): Y1 at 15, W1 at 8, Z1 at 30
    got = {(r.first_year, r.role, r.age): r.people for r in result.first_ages.itertuples()}
    assert got == {(2023, "victim", "15"): 1, (2023, "victim", "under 10"): 1}


def test_no_token_or_reference_reaches_the_result(result):
    text = json.dumps(result.as_dict(), default=str)
    for r in ROWS:
        for ref in (r[6], r[8]):
            if ref:
                assert ref not in text.split('"') and KEY.token(ref) not in text
    assert "nan" not in text.lower().replace("not known", "")


def test_the_command_prints_the_figures_and_refuses_an_unknown_area(tmp_path, monkeypatch, home):
    from svduty.cli import app

    monkeypatch.setenv("SVDUTY_HOME", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    path = tmp_path / "police.csv"
    path.write_text("\n".join([HEADER, *map(_line, ROWS)]) + "\n", encoding="utf-8")
    loaded = runner.invoke(app, ["ingest", "police-crime", str(path)])
    assert loaded.exit_code == 0, loaded.output
    out = runner.invoke(app, ["people", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    v = [r for r in doc["repeats"] if (r["year"], r["area"], r["role"]) == (2022, "all", "victim")]
    assert v[0]["repeat_people"] == 3 and doc["definition"] == "asvrp-2023"
    bad = runner.invoke(app, ["people", "--area", "Atlantis"])
    assert bad.exit_code == 2 and home.la_name in bad.output
    table = runner.invoke(app, ["people"])
    assert table.exit_code == 0 and "Repeat victims" in table.output


@pytest.mark.postgres
def test_postgresql_gives_the_same_figures(pg_url, tmp_path, result, home):
    """The same extract on PostgreSQL (no 64-bit hashing of tokens there) gives every figure."""
    path = tmp_path / "police.csv"
    path.write_text("\n".join([HEADER, *map(_line, ROWS)]) + "\n", encoding="utf-8")
    w = connect(pg_url)
    try:
        load_reference(w, loaded_by="test")
        ingest_feed(w, "police-crime", [path], pseudonymiser=KEY, loaded_by="t")
        on_pg = people(w, definition="asvrp-2023", pfa_code=home.pfa_code)
    finally:
        w.close()
    for name in ("repeats", "repeats_by_group", "overlap", "first_ages"):
        assert json.dumps(getattr(on_pg, name).to_dict("records"), default=str) == json.dumps(
            getattr(result, name).to_dict("records"), default=str
        ), name


def test_the_temporary_tables_are_dropped(wh, home):
    before = set(wh.ibis.list_tables())
    people(wh, definition="asvrp-2023", pfa_code=home.pfa_code)
    assert set(wh.ibis.list_tables()) == before
