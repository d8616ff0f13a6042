"""`svduty synth`: synthetic extracts that are reproducible, calibrated, labelled and loadable.

The checks read the generated files and the real sources independently of the generator
(DuckDB's CSV reader, openpyxl on the ONS workbook), so a generator bug cannot hide itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import openpyxl
import pytest

from conftest import AS_STREET, warehouse_text
from svduty import __version__
from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.sources import offence_codes
from svduty.sources.feeds import FEEDS as DECLARED
from svduty.synth import FEEDS, calibration, generate
from svduty.synth.police import LAST_SYNTH_MONTH
from svduty.warehouse.feed_ingest import ingest_feed

AGGREGATES = ("hospital-admissions", "youth-justice", "probation", "fire", "education")
ROOT = Path(__file__).resolve().parent.parent
ONS = ROOT / "src/svduty/data/ons_prc/policeforceareatablesyedecember2024.xlsx"
SEED = 20240
SUBSET = ["2018-02", "2023-01"]  # an old month (legacy codes) and the newest
KEY = Pseudonymiser(b"k" * 32)
# The knife "selected offences" (ONS Tables P5/P6), as recorded, legacy codes included.
SELECTED = [
    "2",
    "3B",
    "5D",
    "5E",
    "8N",
    "5A",
    "8F",
    "8G",
    "34A",
    "34B",
    "19C",
    "19D",
    "19E",
    "19F",
    "19G",
    "19H",
    "17A",
    "17B",
    "20A",
    "20B",
]
KNIFE_TOLERANCE_PP = 0.1  # percentage points; the flag is allocated exactly, up to rounding


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth-full")
    return generate(SEED, out)


@pytest.fixture(scope="module")
def police(full):
    """The synthetic police files, read once, as the table `police` (all text)."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE police AS SELECT * FROM {police_csv(full.out)}")
    yield con
    con.close()


def police_csv(folder: Path) -> str:
    return f"read_csv('{folder}/police-crime/*.csv.gz', all_varchar=true, header=true)"


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# ---- reproducibility --------------------------------------------------------------------------


def test_the_same_seed_gives_byte_identical_files_and_another_seed_different_ones(tmp_path):
    a = generate(SEED, tmp_path / "a", months=SUBSET)
    # the second run is another Python process with another string-hash salt, so an ordering
    # that depended on hashing (sets, dict of sets) would show
    script = (
        "import sys; from pathlib import Path; from svduty.synth import generate; "
        f"generate({SEED}, Path(sys.argv[1]), months={SUBSET!r})"
    )
    env = os.environ | {"PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "b")], check=True, env=env)
    c = generate(SEED + 1, tmp_path / "c", months=SUBSET)
    first, second, other = (digests(tmp_path / x) for x in "abc")
    assert len(first) == len(a.files) + 2  # every file, README.txt and manifest.json
    assert first == second
    assert set(first) == set(other)
    changed = {name for name in first if first[name] != other[name]}
    records = {f.path for f in c.files if f.feed in ("police-crime", "ed-assaults")}
    assert records <= changed
    assert {name.split("/")[0] for name in changed} >= set(FEEDS)


def test_a_run_replaces_the_files_of_an_earlier_run(tmp_path):
    generate(SEED, tmp_path, months=["2023-01"])
    first = set(digests(tmp_path))
    generate(SEED, tmp_path, months=["2018-02"])
    second = set(digests(tmp_path))
    assert not any("2023-01" in name for name in second)
    assert first != second


# ---- what is written --------------------------------------------------------------------------


def test_every_file_is_labelled_synthetic_on_every_row(full, police):
    out = full.out
    readme = (out / "README.txt").read_text()
    assert readme.startswith("SYNTHETIC DATA")
    assert f"seed {SEED}" in readme and f"svduty {__version__}" in readme
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["synthetic"] is True and manifest["seed"] == SEED
    con = duckdb.connect()
    for feed in FEEDS:
        files = sorted((out / feed).iterdir())
        assert files, feed
        assert all(p.name.startswith("SYNTHETIC-") for p in files)
        source = (
            "police"
            if feed == "police-crime"
            else f"read_csv('{out / feed}/*', all_varchar=true, header=true, union_by_name=true)"
        )
        rows, not_y = (
            (police if feed == "police-crime" else con)
            .sql(
                "SELECT count(*), count(*) FILTER (WHERE \"Synthetic\" IS DISTINCT FROM 'Y') "
                f"FROM {source}"
            )
            .fetchone()
        )
        assert rows == full.rows_by_feed()[feed] > 0
        assert not_y == 0, feed
        # the header is the feed's declaration, in its order, then Synthetic
        header = con.sql(
            f"SELECT * FROM read_csv('{files[0]}', all_varchar=true, header=true) LIMIT 0"
        ).columns
        assert header == [c.header for c in DECLARED[feed].columns] + ["Synthetic"]


def test_police_counts_by_lsoa_month_and_crime_type_equal_police_uk_exactly(police):
    real = duckdb.sql(
        f"""SELECT "Month", coalesce("LSOA code", ''), "Crime type", count(*)
        FROM read_csv('{AS_STREET}/*.csv.gz', all_varchar=true, header=true)
        WHERE "Crime type" <> 'Anti-social behaviour' AND "Month" <= '{LAST_SYNTH_MONTH}'
        GROUP BY ALL"""
    ).fetchall()
    synthetic = police.sql(
        """SELECT strftime("Recorded date"::DATE, '%Y-%m'), coalesce("LSOA code", ''),
            "Offence code", count(*) FROM police GROUP BY ALL"""
    ).fetchall()
    expected = Counter({(m, lsoa, t): n for m, lsoa, t, n in real})
    got: Counter = Counter()
    for month, lsoa, code, n in synthetic:
        crime_type = offence_codes.OFFENCES[offence_codes.current(code)].police_uk_type
        got[(month, lsoa, crime_type)] += n
    # PROVENANCE.md: the 633,061 rows up to 2023-01 less their 126,387 ASB (not the 2025 months)
    assert sum(expected.values()) == 506_674
    assert got == expected
    assert ("2023-01", "", "Violence and sexual offences") in got  # no location stays blank


def ons_knife_percent() -> dict[int, float]:
    """Table P6, Avon and Somerset: year (ending March; 2023 for Jan-Dec 2023) -> % knife."""
    sheet = openpyxl.load_workbook(ONS, read_only=True)["Table P6 "]
    rows = [r for r in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if r[0] == "Area Codes")
    avon = next(r for r in rows if r[0] == "E23000036")
    out = {}
    for label, value in zip(header, avon, strict=True):
        text = " ".join(str(label).split())
        if m := re.fullmatch(r"% involving a knife Apr (\d{4}) to Mar (\d{4})", text):
            out[int(m[2])] = float(value)
        elif text == "% involving a knife Jan 2023 to Dec 2023":
            out[2023] = float(value)
    return out


def test_knife_share_of_selected_offences_per_year_matches_the_ons_figure(police):
    ons = ons_knife_percent()
    codes = ", ".join(f"'{c}'" for c in SELECTED)
    rows = police.sql(
        f"""WITH r AS (SELECT "Recorded date"::DATE AS d, "Knife or sharp instrument" AS knife
            FROM police WHERE "Offence code" IN ({codes}))
        SELECT year(d) + (month(d) >= 4)::INT AS y, count(*),
            count(*) FILTER (WHERE knife = 'Y') FROM r GROUP BY y ORDER BY y"""
    ).fetchall()
    assert [y for y, _, _ in rows] == [2018, 2019, 2020, 2021, 2022, 2023]
    for year, selected, flagged in rows:
        share = 100 * flagged / selected
        assert abs(share - ons[year]) <= KNIFE_TOLERANCE_PP, (year, share, ons[year])


def test_police_records_look_like_a_force_extract(police):
    con, src = police, "police"
    legacy = dict(
        con.sql(
            f"""SELECT "Offence code", count(*) FROM {src}
            WHERE "Offence code" IN ('5A', '8F', '8G') GROUP BY ALL"""
        ).fetchall()
    )
    assert set(legacy) == {"5A", "8F", "8G"}
    first_legacy, last_legacy = con.sql(
        f"""SELECT min("Recorded date"), max("Recorded date") FROM {src}
        WHERE "Offence code" IN ('5A', '8F', '8G')"""
    ).fetchone()
    assert first_legacy.startswith("2018-") and last_legacy < "2018-07"
    bad_refs, late = con.sql(
        f"""SELECT count(*) FILTER (WHERE NOT regexp_full_match("Crime reference",
                'AS/\\d{{2}}/\\d{{7}}')),
            count(*) FILTER (WHERE "Offence from"[:10] > "Recorded date") FROM {src}"""
    ).fetchone()
    assert bad_refs == 0 and late == 0
    # domestic abuse is about a third of violence against the person
    vap = ", ".join(
        f"'{c}'"
        for c, o in offence_codes.OFFENCES.items()
        if o.group
        in (
            "homicide",
            "violence with injury",
            "violence without injury",
            "stalking and harassment",
        )
    )
    da = con.sql(
        f"""SELECT avg(("Domestic abuse" = 'Y')::INT) FROM {src}
        WHERE "Offence code" IN ({vap}, '5A', '8F', '8G')"""
    ).fetchone()[0]
    assert 0.28 <= da <= 0.40
    # more under-25 victims in robbery and public space violence than in domestic abuse
    under_25 = dict(
        con.sql(
            f"""SELECT CASE WHEN "Offence code" IN ('34A', '34B') THEN 'robbery'
                WHEN "Domestic abuse" = 'Y' THEN 'domestic' ELSE 'other' END AS k,
                avg(("Victim age"::INT < 25)::INT)
            FROM {src} WHERE "Victim age" IS NOT NULL GROUP BY k"""
        ).fetchall()
    )
    assert under_25["robbery"] > 0.4 > under_25["domestic"]
    # repeat victims: the same person reference in more than one monthly file
    repeats = con.sql(
        f"""SELECT count(*) FROM (SELECT "Victim reference" FROM {src}
            WHERE "Victim reference" IS NOT NULL GROUP BY 1
            HAVING count(DISTINCT "Recorded date"[:7]) > 1)"""
    ).fetchone()[0]
    assert repeats > 1000


def test_the_other_feeds_follow_their_calibration(full, police):
    con = duckdb.connect()
    out = full.out
    ed = con.sql(
        f"SELECT count(*) FROM read_csv('{out}/ed-assaults/*.csv', all_varchar=true)"
    ).fetchone()[0]
    vwi = police.sql(
        f"""SELECT count(*) FROM police
        WHERE "Offence code" IN ('2', '4/3', '4/7', '5D', '5E', '8N', '8P', '8S', '5A', '8F', '8G')
        AND ("LSOA code" IS NULL
            OR "LSOA code" IN (SELECT lsoa FROM (VALUES {areas_sql()}) t(lsoa)))"""
    ).fetchone()[0]
    ratio = (
        calibration.figure("ed_attendances_violence_ew_2019")
        / calibration.offence_groups("K04000001")["Violence with injury"]
    )
    assert abs(ed / (ratio * vwi) - 1) < 0.05
    suppressed = con.sql(
        f"""SELECT count(*) FROM read_csv('{out}/hospital-admissions/*.csv', all_varchar=true)
        WHERE "Count" = '*'"""
    ).fetchone()[0]
    assert suppressed > 0
    for feed in AGGREGATES:
        areas = con.sql(
            f"""SELECT DISTINCT "Area code" FROM read_csv('{out / feed}/*.csv',
            all_varchar=true) ORDER BY 1"""
        ).fetchall()
        assert [a for (a,) in areas] == list(calibration.LAS), feed


def areas_sql() -> str:
    """The 1,005 Avon and Somerset LSOAs (2011) from the ONS lookup, as SQL VALUES rows."""
    lookup = ROOT / "src/svduty/data/geography/LSOA11_to_WD19_to_LAD19_lookup_EW.csv.gz"
    districts = ("E06000022", "E06000023", "E06000024", "E06000025")
    districts += ("E07000187", "E07000188", "E07000189", "E07000246")  # now Somerset
    codes = duckdb.sql(
        f"SELECT DISTINCT LSOA11CD FROM read_csv('{lookup}') WHERE LAD19CD IN {districts}"
    ).fetchall()
    assert len(codes) == 1005
    return ", ".join(f"('{c}')" for (c,) in codes)


def test_every_calibration_figure_is_documented():
    doc = (ROOT / "docs/synthetic.md").read_text()
    missing = [k for k in (*calibration.FIGURES, *calibration.SERIES) if f"`{k}`" not in doc]
    assert not missing


# ---- loading ---------------------------------------------------------------------------------


def load(warehouse, paths_by_feed: dict[str, list[Path]]):
    results = {}
    for feed, paths in paths_by_feed.items():
        results[feed] = ingest_feed(warehouse, feed, paths, pseudonymiser=KEY, loaded_by="test")
    return results


def assert_clean(results):
    for feed, rs in results.items():
        assert rs, feed
        for r in rs:
            assert r.status == "loaded", (feed, r.file, r.message)
            assert r.rows_quarantined == 0 and r.rows_read == r.rows_loaded > 0, (feed, r.file)
            assert r.synthetic, (feed, r.file)


def raw_references(paths: list[Path]) -> set[str]:
    con = duckdb.connect()
    files = ", ".join(f"'{p}'" for p in paths)
    refs = con.sql(
        f"""SELECT DISTINCT unnest([r."Crime reference", r."Victim reference",
            r."Suspect reference"]) FROM read_csv([{files}], all_varchar=true) r"""
    ).fetchall()
    return {r for (r,) in refs if r}


def assert_no_raw_reference(warehouse, raw: set[str]):
    text = warehouse_text(warehouse)
    shaped = set(re.findall(r"AS/\d{2}/\d{7}|P\d{8}", text, flags=re.IGNORECASE))
    assert not (shaped & raw)
    assert not shaped  # nothing in the warehouse even looks like a raw reference
    sample = sorted(raw)[:: max(1, len(raw) // 20)]
    assert not [r for r in sample if r in text]
    assert len(raw) > 10_000


def test_a_file_of_every_kind_loads_with_nothing_quarantined_and_no_raw_reference(full, warehouse):
    out = full.out
    police = [p for p in sorted((out / "police-crime").iterdir()) if "2018-01" in p.name]
    police += [p for p in sorted((out / "police-crime").iterdir()) if "2023-01" in p.name]
    chosen = {
        "police-crime": police,
        "ed-assaults": sorted((out / "ed-assaults").glob("*-2019-08.csv")),
        **{feed: [out / feed] for feed in AGGREGATES},
    }
    assert_clean(load(warehouse, chosen))
    assert warehouse.table("police_crime").count().execute() == sum(
        f.rows for f in full.files if any(p.name in f.path for p in police)
    )
    assert set(warehouse.table("partner_aggregate").feed.execute()) == set(AGGREGATES)
    assert_no_raw_reference(warehouse, raw_references(police))


@pytest.mark.slow
def test_a_full_run_is_byte_identical_to_another_full_run(full, tmp_path):
    again = generate(SEED, tmp_path)
    assert again.files == full.files  # names, rows and SHA-256 of every file
    assert digests(tmp_path) == digests(full.out)


@pytest.mark.slow
def test_every_synthetic_file_loads_with_nothing_quarantined(full, warehouse):
    results = load(warehouse, {feed: [full.out / feed] for feed in FEEDS})
    assert_clean(results)
    assert {f: sum(r.rows_loaded for r in rs) for f, rs in results.items()} == full.rows_by_feed()
    assert_no_raw_reference(warehouse, raw_references([full.out / "police-crime/*.csv.gz"]))


def test_the_declared_feeds_are_the_ones_generated():
    assert set(FEEDS) <= set(DECLARED)


def test_synth_cli_function_writes_to_the_folder_given(tmp_path, monkeypatch):
    from svduty.cli.synth import synth
    from svduty.settings import Config

    monkeypatch.setattr(
        "svduty.cli.synth.generate", lambda seed, out, **_: generate(seed, out, months=["2023-01"])
    )
    result = synth(Config.from_env({"SVDUTY_HOME": str(tmp_path)}), 7, None)
    assert result["out"] == str(tmp_path / "synthetic") and result["seed"] == 7
    assert result["load"]["police-crime"].startswith("svduty ingest police-crime ")
    assert (tmp_path / "synthetic" / "README.txt").exists()


def test_synth_command_prints_one_json_document(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from svduty.cli.synth import app

    monkeypatch.setattr(
        "svduty.cli.synth.generate", lambda seed, out, **_: generate(seed, out, months=["2023-01"])
    )
    result = CliRunner().invoke(app, ["--seed", "3", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["seed"] == 3 and document["synthetic"] is True
    assert document["rows_by_feed"]["police-crime"] == 12566 - 1511  # 2023-01 without ASB


def test_the_synthetic_page_lists_every_calibration_figure_with_its_status():
    """docs/synthetic.md says which inputs are published figures and which are assumptions: its
    table must agree with svduty.synth.calibration, figure by figure."""
    import re
    from pathlib import Path

    from svduty.synth.calibration import FIGURES, SERIES

    page = (Path(__file__).resolve().parents[1] / "docs" / "synthetic.md").read_text()
    rows = dict(re.findall(r"^\| `([a-z0-9_]+)` \|[^|]*\| (\w+) \|", page, re.M))
    for key, figure in FIGURES.items():
        assert rows.get(key) == figure.status, key
    for key, series in SERIES.items():
        # a series every year of which is assumed is an assumption; otherwise it is a series
        expected = "assumed" if set(series.assumed) == set(series.values) else "series"
        assert rows.get(key) == expected, key
    assert "calibrated to published figures" not in page.split("## What is real")[0]
