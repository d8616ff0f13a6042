"""The local definition profiled by strand (svduty.products.assessment.strands) on the demo
warehouse, recounted from the police_crime rows by SQL written here: asvrp-2023's rules as plain
WHERE clauses (a record is in the priority strand when any priority rule takes it, in the wider
strand when no priority rule does and a wider one does), not through svduty's definition engine.
"""

from __future__ import annotations

import pytest

from svduty.products.area import resolve
from svduty.products.assessment import strands
from svduty.products.assessment.scope import Context

PUBLIC = "('street','open_space','transport','licensed_premises','retail','education')"


def _codes(*codes: str) -> str:
    listed = ",".join(f"'{c}'" for c in codes)
    return f"(offence_code IN ({listed}) OR offence_code_recorded IN ({listed}))"


V, S = "victim_age <= 24", "suspect_age <= 24"
VIOLENCE = "offence_group IN ('violence with injury','violence without injury')"
VIOLENCE_ROBBERY = "offence_group IN ('violence with injury','violence without injury','robbery')"
P = f"location_type IN {PUBLIC}"
PRIORITY = " OR ".join(
    f"({c})"
    for c in (
        f"{_codes('1/1', '1/2', '4/1', '4/2')} AND {V} AND {P}",
        f"{_codes('2')} AND {V} AND {P}",
        f"{_codes('34A', '34B')} AND {V} AND {P}",
        f"{_codes('5D', '5E', '8F')} AND {V} AND {P}",
        f"{VIOLENCE_ROBBERY} AND knife_flag AND {V} AND {P}",
        f"{VIOLENCE_ROBBERY} AND firearm_flag AND {V} AND {P}",
        f"{_codes('10A', '10B', '10C', '10D', '81', '90')} AND {S} AND {P}",
        f"{VIOLENCE} AND alcohol_flag AND {V} AND {P}",
        f"{VIOLENCE} AND drugs_flag AND {V} AND {P}",
        f"exploitation_flag AND {V}",
        f"exploitation_flag AND {S}",
        f"{_codes('106')} AND {V}",
    )
)
WIDER = " OR ".join(
    (
        "domestic_abuse_flag",
        _codes("19C", "19D", "19E", "19F", "19G", "19H"),
        _codes("17A", "17B", "20A", "20B", "21", "22A", "22B", "71", "72", "88A"),
        "(offence_group IN ('homicide','violence with injury','violence without injury',"
        "'stalking and harassment','rape','other sexual offences') AND victim_sex = 'Female')",
    )
)
# DuckDB's dayofweek: 0 Sunday ... 5 Friday, 6 Saturday
NIGHT = (
    "(location_type = 'licensed_premises' OR (location_type IN ('street','open_space',"
    "'transport','retail','education') AND offence_time_known AND ("
    "(dayofweek(offence_from) = 5 AND hour(offence_from) >= 20) OR "
    "(dayofweek(offence_from) = 6 AND (hour(offence_from) >= 20 OR hour(offence_from) < 4)) OR "
    "(dayofweek(offence_from) = 0 AND hour(offence_from) < 4))))"
)


@pytest.fixture(scope="module")
def built(demo_wh, demo_partnership):
    area = resolve(demo_partnership, "somerset")
    ctx = Context.make(demo_wh, demo_partnership, area, None, permutations=99, seed=1)
    assert ctx.definition.id == "asvrp-2023"  # the SQL above is its rules
    return ctx, strands.strands_section(ctx)


def _rows(demo_wh, ctx) -> str:
    """The SQL of Somerset's records in the period, each with its strand."""
    first, last = ctx.period.month_starts[0], ctx.period.month_starts[-1]
    return f"""
        SELECT *, CASE WHEN {PRIORITY} THEN 'priority' WHEN {WIDER} THEN 'wider' END AS strand
        FROM police_crime
        WHERE month BETWEEN DATE '{first}' AND DATE '{last}'
          AND lsoa_code IN (SELECT lsoa_code FROM ref_lsoa WHERE la_code = 'E06000066')
    """


def _sql(demo_wh, query: str):
    return demo_wh.ibis.raw_sql(query).fetchall()


def _part(section, part_id):
    for p in section.parts:
        if getattr(p, "id", None) == part_id or (p.kind == "figure" and p.figure.id == part_id):
            return p
    raise AssertionError(f"no {part_id}")


def test_each_strand_is_recounted_by_independent_sql(built, demo_wh):
    ctx, b = built
    rows = _rows(demo_wh, ctx)
    counted = dict(_sql(demo_wh, f"SELECT strand, count(*) FROM ({rows}) GROUP BY strand"))
    table = _part(b.section, "tbl-strands").frame
    assert list(table["Strand"]) == ["Priority strand", "Wider strand"]  # the priority first
    assert list(table["Records"]) == [counted["priority"], counted["wider"]]
    in_scope = counted["priority"] + counted["wider"]
    assert table["Share of records in scope (%)"].iloc[0] == pytest.approx(
        100 * counted["priority"] / in_scope
    )
    # the trend names the latest complete year's count, recounted by year
    year = ctx.period.years[-1]
    latest = dict(
        _sql(
            demo_wh,
            f"SELECT strand, count(*) FROM ({rows}) WHERE year(month) = {year} GROUP BY strand",
        )
    )
    assert f"{latest['priority']:,} records in {year}" in table["Trend"].iloc[0]


@pytest.mark.parametrize("strand", ["priority", "wider"])
def test_each_strands_offence_groups_are_recounted(built, demo_wh, strand):
    ctx, b = built
    expected = dict(
        _sql(
            demo_wh,
            f"SELECT offence_group, count(*) FROM ({_rows(demo_wh, ctx)}) "
            f"WHERE strand = '{strand}' GROUP BY offence_group",
        )
    )
    figure = _part(b.section, f"fig-strand-{strand}").figure
    shown = dict(
        zip(figure.table["Offence group"].str.lower(), figure.table["Records"], strict=True)
    )
    assert shown == expected
    assert figure.synthetic and "SYNTHETIC" in figure.source  # the demo's force records


def test_the_sub_profiles_are_recounted(built, demo_wh):
    ctx, b = built
    rows = _rows(demo_wh, ctx)
    table = _part(b.section, "tbl-strand-sub-profiles").frame
    for strand in ("priority", "wider"):
        knife, exploitation, night = _sql(
            demo_wh,
            "SELECT count(*) FILTER (WHERE knife_flag), "
            "count(*) FILTER (WHERE exploitation_flag), "
            f"count(*) FILTER (WHERE {NIGHT}) FROM ({rows}) WHERE strand = '{strand}'",
        )[0]
        mine = table[table["Strand"] == f"{strand.capitalize()} strand"].set_index("Sub-profile")
        assert mine.loc["Knife or sharp instrument", "Records"] == knife
        assert mine.loc["Exploitation and county lines", "Records"] == exploitation
        assert mine.loc["Night-time economy", "Records"] == night
    text = " ".join(b.section.parts[1].text.split())
    assert "police.uk" in text and "knife" in text  # what the open data cannot show, said
