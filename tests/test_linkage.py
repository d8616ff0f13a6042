"""Linking people across services without sharing who they are (docs/people.md): `svduty
encode` on the partner's side, the four linked-records feeds, `svduty link`, and the linkage
key kept out of svduty's data directory. Expected values are worked out by hand from the rows
written here, or recomputed from the synthetic truth with pandas, never read back from the code
under test."""

from __future__ import annotations

import csv
import itertools
import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import warehouse_text
from svduty.analysis.evidence.linkage import THRESHOLD, cross_service, link, summarise
from svduty.cli import app
from svduty.privacy.linkage import LinkageKey, LinkageKeyProblem, load_linkage_key
from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.sources.errors import FileRefused
from svduty.sources.feed import ENCODING_PATTERN
from svduty.synth import linkage as synth_linkage
from svduty.warehouse import connect
from svduty.warehouse.feed_ingest import ingest_feed
from svduty.warehouse.reference_load import load_reference

runner = CliRunner()
KEY = LinkageKey(b"L" * 32)
TOKENS = Pseudonymiser(b"p" * 32)
RAW_HEADER = ["Given name", "Family name", "Date of birth", "Sex", "Postcode", "Event",
              "Event date", "Area code"]  # fmt: skip

# By hand: four people. Robert Smith is known to youth justice and (as "Bob", another postcode
# in the same district) to children's social care, which knew him first. Jane Doe is known to
# three services on the same day: youth justice, children's social care (day and month of birth
# swapped) and education ("Jayne", moved to TA2). Janet Doe, her sister (same family name and
# postcode), is known to youth justice only; Tyrone Mensah to probation only.
HAND = {
    "youth-justice-records": [
        ("Robert", "Smith", "2008-03-14", "M", "BS5 6XY", "first_time_entrant", "2023-01-10"),
        ("Robert", "Smith", "2008-03-14", "M", "BS5 6XY", "court_disposal", "2023-04-01"),
        ("Jane", "Doe", "2009-05-07", "F", "TA1 1AA", "first_time_entrant", "2023-06-01"),
        ("Janet", "Doe", "2010-01-20", "F", "TA1 1AA", "out_of_court_disposal", "2023-02-01"),
    ],
    "childrens-social-care-records": [
        ("Bob", "Smith", "14/03/2008", "M", "BS5 7AB", "referral", "2021-05-05"),
        ("Jane", "Doe", "2009-07-05", "F", "TA1 1AA", "referral", "2023-06-01"),
    ],
    "education-records": [
        ("Jayne", "Doe", "2009-05-07", "F", "TA2 1AA", "suspension", "2023-06-01"),
    ],
    "probation-records": [
        ("Tyrone", "Mensah", "2003-02-02", "M", "BS1 1AA", "community_order", "2023-03-03"),
    ],
}
AREA = "E06000023"  # Bristol


def _write_raw(path, rows, header=RAW_HEADER):
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow([*r, AREA][: len(header)])
    return path


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("linkage")
    key = tmp / "partners" / "linkage.key"
    env = {"SVDUTY_HOME": str(tmp / "home"), "SVDUTY_LOADED_BY": "linkage-test"}
    made = runner.invoke(app, ["linkage-key", "new", str(key)], env=env)
    assert made.exit_code == 0, made.output
    return tmp, key, env


def _encode(places, feed, raw):
    tmp, key, env = places
    out = tmp / "encoded" / f"{feed}.csv"
    result = runner.invoke(
        app,
        ["encode", feed, str(raw), "--linkage-key", str(key), "--out", str(out), "--json"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout), result.output


@pytest.fixture(scope="module")
def hand(places):
    """The hand-made files encoded, loaded by the CLI into a data directory, and linked."""
    tmp, _key, env = places
    outputs = []
    for feed, rows in HAND.items():
        raw = _write_raw(tmp / f"raw-{feed}.csv", rows)
        _out, doc, printed = _encode(places, feed, raw)
        assert doc["rows"] == doc["encoded"] == len(rows)
        outputs.append(printed)
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    for feed in HAND:
        loaded = runner.invoke(
            app, ["ingest", feed, str(tmp / "encoded" / f"{feed}.csv"), "--json"], env=env
        )
        assert loaded.exit_code == 0, loaded.output
        outputs.append(loaded.output)
    linked = runner.invoke(app, ["link", "--json"], env=env)
    assert linked.exit_code == 0, linked.output
    outputs += [linked.output, runner.invoke(app, ["link"], env=env).output]
    return json.loads(linked.stdout), outputs


def test_the_hand_worked_people_are_linked_as_worked_out(hand):
    doc, _ = hand
    assert doc["available"] and doc["threshold"] == THRESHOLD
    assert doc["people"] == {
        "childrens-social-care-records": 2,
        "education-records": 1,
        "probation-records": 1,
        "youth-justice-records": 3,  # Robert's two events are one person
    }
    assert doc["total_people"] == 4
    assert doc["known_to_two_or_more"] == 2
    combos = {tuple(c["services"]): c["people"] for c in doc["combinations"]}
    assert combos == {
        ("childrens-social-care-records", "youth-justice-records"): 1,  # Robert
        ("childrens-social-care-records", "education-records", "youth-justice-records"): 1,
        ("youth-justice-records",): 1,  # Janet: her sister's records did not take her
        ("probation-records",): 1,
    }
    # Robert: social care on 2021-05-05, before youth justice; Jane: three on one day.
    assert {p["first"]: p["people"] for p in doc["pathways"]} == {
        "childrens-social-care-records": 1,
        "same day": 1,
    }


def test_an_encoded_file_holds_no_name_date_of_birth_or_postcode(places, hand):
    tmp, _, _ = places
    # Every name, date of birth (as written), postcode and postcode district written above.
    identifiers = {r[i].lower() for rows in HAND.values() for r in rows for i in (0, 1, 2, 4)}
    identifiers |= {r[4].split()[0].lower() for rows in HAND.values() for r in rows}
    for feed in HAND:
        text = (tmp / "encoded" / f"{feed}.csv").read_text()
        header, *rows = list(csv.reader(text.splitlines()))
        assert header == ["Linkage encoding", "Sex", "Event", "Event date", "Area code"]
        for row in rows:
            assert re.fullmatch(ENCODING_PATTERN, row[0])
            rest = ",".join(row[1:]).lower()
            assert not [i for i in identifiers if i in rest], row[1:]
            assert not re.search(r"[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}", ",".join(row[1:]))


@pytest.mark.parametrize(
    "column", ["Given name", "Family name", "Date of birth", "Postcode", "Surname", "DOB"]
)
def test_the_feed_refuses_a_file_with_an_identifier_and_says_to_encode_first(tmp_path, column):
    path = tmp_path / "yj.csv"
    path.write_text(f"{column},Event,Event date\nx,custody,2023-01-01\n")
    w = connect(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        load_reference(w, loaded_by="test")
        [result] = ingest_feed(
            w, "youth-justice-records", [path], pseudonymiser=TOKENS, loaded_by="t"
        )
    finally:
        w.close()
    assert result.status == "refused"
    assert repr(column) in result.message
    assert "svduty encode youth-justice-records" in result.message


def test_a_postcode_in_a_value_or_a_malformed_encoding_is_caught(tmp_path, places):
    good = KEY.encode([("Ann", "Lee", "2009-01-02", "F", "BS3 1AA")])[0]
    w = connect(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        load_reference(w, loaded_by="test")
        pc = tmp_path / "pc.csv"
        pc.write_text(
            f"Linkage encoding,Event,Event date,Area code\n{good},custody,2023-01-01,BS3 1AA\n"
        )
        [refused] = ingest_feed(
            w, "youth-justice-records", [pc], pseudonymiser=TOKENS, loaded_by="t"
        )
        assert refused.status == "refused" and "postcode" in refused.message
        assert "BS3 1AA" not in refused.message
        bad = tmp_path / "bad.csv"
        bad.write_text(
            "Linkage encoding,Event,Event date,Ethnicity\n"
            f"{good},custody,2023-01-01,White: Irish\n"
            f"{good[:-5]},custody,2023-01-02,asian_indian\n"  # cut short: not an encoding
            f",custody,2023-01-03,Not stated\n"  # blank: could not be encoded
            f"{good},custody,2023-01-04,purple\n"
        )  # fmt: skip
        [result] = ingest_feed(
            w, "youth-justice-records", [bad], pseudonymiser=TOKENS, loaded_by="t"
        )
        assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 1, 3)
        q = w.table("quarantine").execute().sort_values("line")
        assert q["reason_code"].tolist() == ["encoding_form", "missing", "code_form"]
        assert not q["reason"].str.contains(good[:20], regex=False).any()
        assert not q["row_json"].str.contains(good[:20], regex=False).any()
        loaded = w.table("linked_record").execute()
        assert loaded["ethnicity"].tolist() == ["White: Irish"]
        assert loaded["feed"].tolist() == ["youth-justice-records"]
    finally:
        w.close()


def test_the_linkage_key_is_nowhere_in_the_data_directory_warehouse_or_output(places, hand):
    tmp, key_path, _env = places
    _, outputs = hand
    secret_hex = key_path.read_text().strip().removeprefix("svl1:")
    secret = bytes.fromhex(secret_hex)
    home = tmp / "home"
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".duckdb" for p in files)
    for p in files:
        data = p.read_bytes()
        assert secret not in data and secret_hex.encode() not in data, p
    wh = connect(f"duckdb:///{home / 'warehouse.duckdb'}", read_only=True)
    try:
        assert secret_hex not in warehouse_text(wh)
    finally:
        wh.close()
    for text in outputs:
        assert secret_hex not in text
    assert secret_hex not in repr(load_linkage_key(key_path))


def test_a_linkage_key_inside_the_data_directory_or_a_pseudonymisation_key_is_refused(places):
    tmp, key_path, env = places
    inside = tmp / "home" / "linkage.key"
    made = runner.invoke(app, ["linkage-key", "new", str(inside)], env=env)
    assert made.exit_code == 1 and "inside svduty's data directory" in made.output
    assert not inside.exists()
    inside.parent.mkdir(parents=True, exist_ok=True)
    inside.write_text(key_path.read_text())  # copied in by hand: still refused when used
    raw = _write_raw(tmp / "raw-one.csv", HAND["probation-records"])
    out = tmp / "x.csv"
    used = runner.invoke(
        app,
        ["encode", "probation-records", str(raw), "--linkage-key", str(inside), "--out", str(out)],
        env=env,
    )
    assert used.exit_code == 1 and "inside svduty's data directory" in used.output
    assert not out.exists()
    inside.unlink()
    pseudo = tmp / "partnership.key"
    pseudo.write_text("svk1:" + "ab" * 32 + "\n")
    with pytest.raises(LinkageKeyProblem, match="pseudonymisation key is a different secret"):
        load_linkage_key(pseudo)


def test_encode_refuses_a_column_the_feed_does_not_know_and_leaves_unencodable_rows_blank(
    tmp_path, places
):
    from svduty.privacy.linkage import encodable
    from svduty.sources.feeds import FEEDS
    from svduty.sources.linkage_encode import encode_file

    feed = FEEDS["education-records"]
    raw = _write_raw(tmp_path / "r.csv", [("A", "B", "2009-01-01", "F", "", "x", "y")],
                     [*RAW_HEADER[:7], "School"])  # fmt: skip
    with pytest.raises(FileRefused, match="'School' is neither an identifier"):
        encode_file(raw, feed, tmp_path / "o.csv", KEY.encode, encodable)
    assert not (tmp_path / "o.csv").exists()
    rows = [
        ("Ann", "Lee", "2009-01-02", "F", "", "suspension", "2023-01-01"),
        ("", "", "2009-01-02", "F", "", "suspension", "2023-01-02"),  # no name
        ("Ann", "Lee", "not a date", "F", "", "suspension", "2023-01-03"),
        ("آن", "-", "2009-01-02", "F", "", "suspension", "2023-01-04"),  # no letters a-z
    ]
    raw = _write_raw(tmp_path / "r2.csv", rows, RAW_HEADER[:7])
    ragged = tmp_path / "r3.csv"
    ragged.write_text(raw.read_text() + "Ann,Lee,2009-01-02,F,,suspension,2023-01-09,extra\n")
    with pytest.raises(FileRefused, match="line 6 has 8 fields and the header 7"):
        encode_file(ragged, feed, tmp_path / "o.csv", KEY.encode, encodable)
    assert not (tmp_path / "o.csv").exists()
    done = encode_file(raw, feed, tmp_path / "o.csv", KEY.encode, encodable)
    assert (done.rows, done.encoded, done.not_encoded_lines) == (4, 1, (3, 4, 5))
    written = list(csv.reader((tmp_path / "o.csv").read_text().splitlines()))
    assert [r[0] == "" for r in written[1:]] == [False, True, True, True]


# ---- the synthetic people: linkage quality against the truth, and the overlaps -----------


@pytest.fixture(scope="module")
def synthetic():
    people = synth_linkage.generate(people=600, seed=7)
    encodings = {
        f: KEY.encode(
            [
                (r["Given name"], r["Family name"], r["Date of birth"], r["Sex"], r["Postcode"])
                for r in rows
            ]
        )
        for f, rows in people.records.items()
    }
    return people, encodings


def test_synthetic_records_are_labelled_and_vary_as_real_ones_do(synthetic):
    people, _ = synthetic
    rows = [r for rs in people.records.values() for r in rs]
    assert all(r["Synthetic"] == "Y" for r in rows)
    assert "truth" not in json.dumps(rows).lower()
    # The same person recorded differently by two services, for each kind of variation.
    by_person: dict[int, list[dict]] = {}
    for f, rs in people.records.items():
        for r, pid in zip(rs, people.truth[f], strict=True):
            by_person.setdefault(pid, []).append(r)
    differs = {"given": 0, "family": 0, "dob": 0, "postcode": 0}
    for rs in by_person.values():
        for a, b in itertools.combinations(rs, 2):
            differs["given"] += a["Given name"] != b["Given name"]
            differs["family"] += a["Family name"] != b["Family name"]
            differs["dob"] += a["Date of birth"] != b["Date of birth"]
            differs["postcode"] += a["Postcode"][:3] != b["Postcode"][:3]
    assert all(n > 0 for n in differs.values()), differs


def test_linkage_recovers_the_synthetic_truth(synthetic):
    people, encodings = synthetic
    feeds = list(people.records)
    # One record per person per service (their events share the service's details).
    datasets, ids = [], []
    for f in feeds:
        first = dict(zip(encodings[f], people.truth[f], strict=True))
        datasets.append(list(first))
        ids.append(list(first.values()))
    groups = link(datasets, THRESHOLD)
    for g in groups:  # one-to-one between services
        assert len({d for d, _ in g}) == len(g)
    predicted = {
        tuple(sorted((a, b)))
        for g in groups
        for a, b in itertools.combinations([(d, ids[d][r]) for d, r in g], 2)
    }
    by_person: dict[int, list[int]] = {}
    for d, people_ids in enumerate(ids):
        for pid in people_ids:
            by_person.setdefault(pid, []).append(d)
    truth = {
        ((a, pid), (b, pid))
        for pid, ds in by_person.items()
        for a, b in itertools.combinations(sorted(ds), 2)
    }
    right = sum(1 for (a, p), (b, q) in predicted if p == q)
    precision, recall = right / len(predicted), right / len(truth)
    assert len(truth) > 150
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)


def _truth_frame(people) -> pd.DataFrame:
    rows = [
        {"person": pid, "feed": f, "event_date": pd.Timestamp(r["Event date"])}
        for f, rs in people.records.items()
        for r, pid in zip(rs, people.truth[f], strict=True)
    ]
    return pd.DataFrame(rows)


def test_overlaps_and_pathways_from_the_truth_recomputed_with_pandas(synthetic):
    """summarise() counts people; given the true people it must give what pandas gives."""
    people, _ = synthetic
    frame = _truth_frame(people)
    first = frame.groupby(["person", "feed"])["event_date"].min().reset_index()
    true_people = [
        dict(zip(g["feed"], g["event_date"].dt.date, strict=True))
        for _, g in first.groupby("person")
    ]
    got = summarise(true_people, THRESHOLD, synthetic=True)
    services = first.groupby("person")["feed"].apply(lambda s: tuple(sorted(s)))
    assert got.total_people == services.size
    assert got.known_to_two_or_more == int((services.str.len() >= 2).sum())
    assert {tuple(c["services"]): c["people"] for c in got.combinations} == (
        services.value_counts().to_dict()
    )
    multi = first[first["person"].isin(services[services.str.len() >= 2].index)]
    earliest = multi[multi["event_date"] == multi.groupby("person")["event_date"].transform("min")]
    counts = earliest.groupby("person")["feed"].agg(
        lambda s: s.iloc[0] if len(s) == 1 else "same day"
    )
    assert {p["first"]: p["people"] for p in got.pathways} == counts.value_counts().to_dict()
    assert {tuple(p["services"]): p["people"] for p in got.pairs} == {
        (a, b): int(services.map(lambda s, a=a, b=b: a in s and b in s).sum())
        for a, b in itertools.combinations(sorted(first["feed"].unique()), 2)
    }


def test_linked_counts_through_the_warehouse_match_the_truth_within_linkage_error(
    tmp_path, synthetic
):
    people, encodings = synthetic
    w = connect(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        load_reference(w, loaded_by="test")
        for f, rows in people.records.items():
            path = tmp_path / f"{f}.csv"
            with path.open("w", newline="") as out:
                wr = csv.writer(out)
                wr.writerow(["Linkage encoding", "Sex", "Event", "Event date", "Area code",
                             "Synthetic"])  # fmt: skip
                for e, r in zip(encodings[f], rows, strict=True):
                    wr.writerow([e, r["Sex"], r["Event"], r["Event date"], r["Area code"], "Y"])
            [res] = ingest_feed(w, f, [path], pseudonymiser=TOKENS, loaded_by="t")
            assert res.status == "loaded" and res.rows_quarantined == 0, res.message
        got = cross_service(w)
    finally:
        w.close()
    services = _truth_frame(people).groupby("person")["feed"].apply(lambda s: tuple(sorted(set(s))))
    assert got.synthetic
    assert got.people == _truth_frame(people).groupby("feed")["person"].nunique().to_dict()
    true_multi = int((services.str.len() >= 2).sum())
    # Linkage errors move a person between combinations; at the measured quality (>= 0.95)
    # the people known to two or more services stay within 5% of the truth.
    assert abs(got.known_to_two_or_more - true_multi) <= 0.05 * true_multi


@pytest.mark.postgres
def test_postgresql_links_the_same_people(pg_url, places, hand):
    """The encoded files loaded into PostgreSQL give the same linked counts."""
    tmp, _, _ = places
    doc, _ = hand
    w = connect(pg_url)
    try:
        load_reference(w, loaded_by="test")
        for feed in HAND:
            [res] = ingest_feed(
                w, feed, [tmp / "encoded" / f"{feed}.csv"], pseudonymiser=TOKENS, loaded_by="t"
            )
            assert res.status == "loaded", res.message
        on_pg = cross_service(w).as_dict()
    finally:
        w.close()
    for name in ("people", "total_people", "known_to_two_or_more", "combinations", "pathways"):
        assert on_pg[name] == doc[name], name


def test_link_refuses_a_threshold_outside_0_to_1_and_says_when_nothing_is_loaded(tmp_path):
    env = {"SVDUTY_HOME": str(tmp_path / "home"), "SVDUTY_LOADED_BY": "linkage-test"}
    bad = runner.invoke(app, ["link", "--threshold", "1.5"], env=env)
    assert bad.exit_code == 1 and "between 0 and 1, not 1.5" in bad.output
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    empty = runner.invoke(app, ["link", "--json"], env=env)
    assert empty.exit_code == 0, empty.output
    assert json.loads(empty.stdout)["available"] is False
