"""svduty.analysis.measures.rows: the one selection of a measure's rows, over the demo warehouse.

Every record-level measure of the catalogue: its rows are the rows the counts count, the rows
the evidence's events list and the rows the portal's record-level view shows and downloads; the
rows themselves are recounted on their own (SQL for filters; for strands, each row's rule and
its strand from the definition), so a selection wrong in the shared function fails here too.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

import pandas as pd
import pytest

from svduty.analysis.evidence import where
from svduty.analysis.measures import catalogue, rows
from svduty.analysis.measures.counts import record_counts
from svduty.analysis.measures.selection import RECORD_SOURCES
from svduty.definition import model as definitions
from svduty.definition.apply import annotate
from svduty.portal import dashboard

FORCE = "avon-and-somerset"
MEASURES = catalogue.load().measures
RECORD = [m for m in MEASURES if m.source in RECORD_SOURCES]
# What the records view calls the date a source is counted by, and the LSOA and token columns
DATE_SHOWN = {"police_crime": "Recorded", "police_uk_street": "Month", "ed_assault": "Assault date"}
TOKEN_SHOWN = "Crime (pseudonymised token)"


@pytest.fixture(scope="module")
def wh(demo_wh):
    return demo_wh


def count(table) -> int:
    return int(table.count().execute())


def day(values) -> list[str]:
    return list(pd.to_datetime(pd.Series(values)).dt.strftime("%Y-%m-%d"))


def test_the_catalogue_has_a_measure_of_every_record_level_source():
    assert {m.source for m in RECORD} == set(RECORD_SOURCES)


@pytest.mark.parametrize("measure", MEASURES, ids=lambda m: m.id)
def test_the_rows_are_the_rows_the_counts_count(wh, measure):
    if measure.source not in RECORD_SOURCES:
        with pytest.raises(ValueError, match="no record-level rows"):
            rows(wh, measure, police_uk_force=FORCE)
        return
    selected = rows(wh, measure, police_uk_force=FORCE)
    counted = record_counts(wh, measure, police_uk_force=FORCE).frame
    total = count(selected)
    assert total == int(counted["count"].sum()) > 0
    # and month by month
    months = selected.event_date.truncate("M")
    by_month = selected.group_by(month=months).aggregate(n=selected.count()).execute()
    labels = pd.to_datetime(by_month["month"]).dt.strftime("%Y-%m")
    mine = dict(zip(labels, by_month["n"], strict=True))
    theirs = counted.groupby("month")["count"].sum()
    assert mine == {k: int(v) for k, v in theirs.items()}


def _recounted(wh, measure) -> int:
    """The measure's rows counted without the shared function: SQL for the sources' filters; for
    a definition, each row's rule from the definition, its strand and the victim's age in
    pandas (the definition's own ``strand`` column gives the same, but DuckDB takes a minute
    over it)."""
    if measure.definition:
        definition = definitions.load(measure.definition)
        table = annotate(definition, wh.table(measure.source), measure.source).table
        frame = table.select("matched_rule", "victim_age").execute()
        strand = frame["matched_rule"].map({r.id: r.strand for r in definition.rules})
        taken = strand == measure.strand
        if measure.under_25:
            taken &= frame["victim_age"] < 25
        assert not measure.filters  # the shipped definition measures have none
        return int(taken.sum())
    police_uk = "SELECT count(*) FROM police_uk_street WHERE \"force\" = 'avon-and-somerset' AND "
    sql = {
        "police-uk-violence": police_uk + "crime_type = 'Violence and sexual offences'",
        "police-uk-robbery": police_uk + "crime_type = 'Robbery'",
        "police-uk-weapons": police_uk + "crime_type = 'Possession of weapons'",
        "ed-assault-attendances": "SELECT count(*) FROM ed_assault",
        "ed-knife-assault-attendances": "SELECT count(*) FROM ed_assault WHERE knife_or_sharp",
        "domestic-abuse-police": "SELECT count(*) FROM police_crime WHERE domestic_abuse_flag",
    }[measure.id]
    return int(wh.ibis.raw_sql(sql).fetchone()[0])


@pytest.mark.parametrize("measure", RECORD, ids=lambda m: m.id)
def test_the_rows_are_recounted_independently(wh, measure):
    assert count(rows(wh, measure, police_uk_force=FORCE)) == _recounted(wh, measure) > 0


def test_an_other_force_has_no_police_uk_rows_and_the_period_and_places_narrow_them(wh):
    m = next(m for m in RECORD if m.id == "police-uk-violence")
    assert count(rows(wh, m, police_uk_force="not-a-force")) == 0
    every = rows(wh, m, police_uk_force=FORCE)
    in_2020 = rows(wh, m, police_uk_force=FORCE, years=[2020])
    spring = pd.Timestamp("2020-03-01").date(), pd.Timestamp("2020-05-31").date()
    three = rows(wh, m, police_uk_force=FORCE, between=spring)
    located = every.filter(every.lsoa_code.notnull()).select("lsoa_code").limit(1)
    somewhere = located.execute()["lsoa_code"].iloc[0]
    one_lsoa = rows(wh, m, police_uk_force=FORCE, lsoas=[somewhere])
    assert count(every) > count(in_2020) > count(three) > 0
    assert set(day(three.event_date.execute())) == {"2020-03-01", "2020-04-01", "2020-05-01"}
    assert set(one_lsoa.lsoa_code.execute()) == {somewhere}
    assert not bool(every.synthetic.any().execute())  # police.uk open data is real


@pytest.mark.parametrize("measure", RECORD, ids=lambda m: m.id)
def test_the_evidence_events_are_the_rows_of_the_years(wh, measure):
    events = where.events(wh, measure, FORCE, [2020], ["load_id", "line"])
    selected = rows(wh, measure, police_uk_force=FORCE, years=[2020]).select("load_id", "line")
    expected = Counter(map(tuple, selected.execute().itertuples(index=False)))
    got = Counter(zip(events["load_id"], events["line"], strict=True))
    assert got == expected and len(events) == sum(expected.values()) > 0
    assert set(events["year"]) == {2020}


@pytest.fixture(scope="module")
def somerset(demo_config, wh):
    """Somerset, its LSOAs (read from ref_lsoa) and the warehouse's data version."""
    area = next(a for a in dashboard.areas(demo_config) if a.id == "somerset")
    ref = wh.table("ref_lsoa")
    lsoas = set(ref.filter(ref.la_code.isin(area.la_codes)).lsoa_code.execute())
    return area, lsoas, dashboard.data_version(wh)


def _keys(header: list[str], body: list[list[str]], source: str) -> Counter:
    """(date, LSOA, token) of each row of the records view's CSV."""
    date, lsoa = header.index(DATE_SHOWN[source]), header.index("LSOA")
    token = header.index(TOKEN_SHOWN) if TOKEN_SHOWN in header else None
    return Counter((r[date], r[lsoa], r[token] if token is not None else "") for r in body)


def _expected_keys(table, source: str) -> Counter:
    frame = table.execute()
    tokens = frame["crime_ref"] if source == "police_crime" else [""] * len(frame)
    lsoas = frame["lsoa_code"].fillna("")
    return Counter(zip(day(frame["event_date"]), lsoas, tokens, strict=True))


@pytest.mark.parametrize("measure", RECORD, ids=lambda m: m.id)
def test_the_records_view_shows_the_rows_of_the_place_and_years(wh, somerset, measure):
    area, lsoas, version = somerset
    choice = dashboard.Choice(area, "calendar_year", None, 2020, 2020)
    text, n = dashboard.records_csv(wh, version, measure, choice)
    header, *body = list(csv.reader(io.StringIO(text)))
    first, last = pd.Timestamp("2020-01-01").date(), pd.Timestamp("2020-12-31").date()
    selected = rows(wh, measure, police_uk_force=FORCE, between=(first, last), lsoas=lsoas)
    expected = _expected_keys(selected, measure.source)
    assert n == len(body) == sum(expected.values())
    assert _keys(header, body, measure.source) == expected
    assert dashboard.records(wh, version, measure, choice).total == n
    if measure.source != "ed_assault":  # departments report by site: few ED rows carry an LSOA
        assert n > 0


def test_a_ward_and_a_financial_year_narrow_the_records_as_the_function_does(wh, somerset):
    area, _, version = somerset
    m = next(m for m in RECORD if m.id == "police-uk-violence")
    ward_code, ward_name = dashboard.wards(wh, version, area)[0]
    ref = wh.table("ref_lsoa")
    in_ward = set(ref.filter((ref.ward19_code == ward_code) & ref.in_2011).lsoa_code.execute())
    choice = dashboard.Choice(area, "financial_year", (ward_code, ward_name), 2019, 2019)
    text, n = dashboard.records_csv(wh, version, m, choice)
    header, *body = list(csv.reader(io.StringIO(text)))
    first, last = pd.Timestamp("2019-04-01").date(), pd.Timestamp("2020-03-31").date()
    selected = rows(wh, m, police_uk_force=FORCE, between=(first, last), lsoas=in_ward)
    assert _keys(header, body, m.source) == _expected_keys(selected, m.source)
    assert n == len(body) > 0


def _by_month_and_lsoa(frame: pd.DataFrame) -> list[tuple]:
    return sorted(
        (m, "" if pd.isna(lsoa) else lsoa, int(n), bool(s))
        for m, lsoa, n, s in zip(
            frame["month"], frame["lsoa"], frame["count"], frame["synthetic"], strict=True
        )
    )


@pytest.mark.parametrize("source", RECORD_SOURCES)
def test_measures_counted_together_count_what_each_counts_alone(wh, source):
    # compute() and the assessment count every measure of a source in one query
    # (record_counts_of); each must get exactly the rows its own selection selects, and the
    # local definition's strands too (the assessment's figure of every strand).
    from svduty.analysis.measures.catalogue import Measure
    from svduty.analysis.measures.counts import record_counts_of

    together = [m for m in RECORD if m.source == source]
    if source == "police_crime":
        d = definitions.load("asvrp-2023")
        together += [
            Measure(id=f"strand-{s}", title=s, source=source, definition=d.id, strand=s)
            for s in d.strands
        ]
    got = record_counts_of(wh, together, police_uk_force=FORCE)
    assert len(got) == len(together)
    for measure, counts in zip(together, got, strict=True):
        alone = record_counts(wh, measure, police_uk_force=FORCE)
        assert _by_month_and_lsoa(counts.frame) == _by_month_and_lsoa(alone.frame), measure.id
        assert int(counts.frame["count"].sum()) == count(rows(wh, measure, police_uk_force=FORCE))
        assert (counts.notes, counts.definition_version, counts.synthetic) == (
            alone.notes,
            alone.definition_version,
            alone.synthetic,
        )
        assert counts.months_covered == alone.months_covered


def test_measures_of_different_sources_are_not_counted_together(wh):
    from svduty.analysis.measures.counts import record_counts_of

    mixed = [next(m for m in RECORD if m.source == s) for s in ("police_crime", "ed_assault")]
    with pytest.raises(ValueError, match="one source at a time"):
        record_counts_of(wh, mixed, police_uk_force=FORCE)
