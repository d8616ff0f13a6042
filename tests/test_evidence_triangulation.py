"""Triangulation of ED assault attendances with police recorded violence: volumes by local
authority and force area, by month and year, over the months both sources cover; and the LSOAs
that are hotspots in one source and not the other. Partner files are written here and loaded
through the real feeds, over the real reference tables; expected values are counted by hand."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import shapely

from svduty import reference
from svduty.analysis.evidence import triangulation
from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.warehouse import connect
from svduty.warehouse.feed_ingest import ingest_feed
from svduty.warehouse.reference_load import load_reference

KEY = Pseudonymiser(b"k" * 32)
PFA = "E23000036"  # Avon and Somerset
BRISTOL, SOMERSET = "E06000023", "E06000066"
B1 = "E01014485"  # Bristol, a code of 2011 and 2021
S1 = "E01029018"  # Somerset, likewise
OUT = "E01000001"  # City of London: outside the force area

POLICE_HEADER = "Crime reference,Offence code,Recorded date,Offence from,LSOA code"
ED_HEADER = (
    "Site code,Reporting period start,Reporting period end,Assault date and time,"
    "Assault method,Assault location type,LSOA code"
)


def police_rows(spec):
    """[(month, code, lsoa, n)] -> n rows each, recorded on the 10th."""
    rows = []
    for month, code, lsoa, n in spec:
        for _ in range(n):
            rows.append(f"C{len(rows)},{code},{month}-10,{month}-09 21:00,{lsoa}")
    return rows


def ed_files(tmp, spec, site="RA701", method="Body part"):
    """{month: [(lsoa, n)]} -> one monthly return per month."""
    paths = []
    for month, cells in spec.items():
        end = {"02": "29", "04": "30"}.get(month[5:], "31")
        lines = [
            f"{site},{month}-01,{month}-{end},{month}-08 22:00,{method},Street,{lsoa}"
            for lsoa, n in cells
            for _ in range(n)
        ]
        path = tmp / f"{site}_{month}_{method.replace(' ', '')}.csv"
        path.write_text("\n".join([ED_HEADER, *lines]) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def load(wh, source, paths):
    results = ingest_feed(wh, source, paths, pseudonymiser=KEY, loaded_by="t")
    assert all(r.status == "loaded" and not r.rows_quarantined for r in results), results


# Police cover January to March 2024, ED February to April: February and March are compared.
POLICE = [
    ("2024-01", "8N", B1, 2),
    ("2024-02", "8N", B1, 3), ("2024-02", "8N", S1, 1), ("2024-02", "8N", "", 1),
    ("2024-02", "34B", B1, 1),  # robbery: not violence with injury
    ("2024-02", "8N", OUT, 1),  # outside the force area
    ("2024-03", "5D", B1, 2),
]  # fmt: skip
ED = {
    "2024-02": [(B1, 6), (S1, 1), ("", 3), (OUT, 1)],
    "2024-03": [(B1, 2), ("", 1), (S1, 2)],
    "2024-04": [(B1, 5)],
}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A warehouse file with the reference tables, copied for each scenario (loading them takes
    seconds)."""
    path = tmp_path_factory.mktemp("template") / "w.duckdb"
    wh = connect(f"duckdb:///{path}")
    load_reference(wh, loaded_by="t")
    wh.close()
    return path


def copy_of(template, tmp):
    path = tmp / "w.duckdb"
    shutil.copy(template, path)
    return connect(f"duckdb:///{path}")


def fill_volumes(wh, tmp):
    police = tmp / "police.csv"
    police.write_text("\n".join([POLICE_HEADER, *police_rows(POLICE)]) + "\n", encoding="utf-8")
    load(wh, "police-crime", [police])
    load(wh, "ed-assaults", ed_files(tmp, ED))


@pytest.fixture(scope="module")
def volumes(template, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("volumes")
    wh = copy_of(template, tmp)
    fill_volumes(wh, tmp)
    yield wh
    wh.close()


def row(frame, period, area_code):
    got = frame[(frame.period == period) & (frame.area_code == area_code)]
    assert len(got) == 1, (period, area_code)
    return got.iloc[0]


def test_only_the_months_both_sources_cover_are_compared(volumes):
    r = triangulation.ed_vs_police(volumes, pfa_code=PFA)
    assert r.months_compared == ("2024-02", "2024-03")
    assert r.ed_only_months == ("2024-04",) and r.police_only_months == ("2024-01",)
    assert set(r.frame.period) == {"2024-02", "2024-03", "2024"}


def test_volumes_ratio_and_excess_share_by_month(volumes):
    f = triangulation.ed_vs_police(volumes, pfa_code=PFA).frame
    # February, force area: ED 6 + 1 + 3 (not the City of London one); police 3 + 1 + 1
    feb = row(f, "2024-02", PFA)
    assert (feb.ed, feb.police, feb.ratio, feb.ed_excess_share) == (10, 5, 2.0, 0.5)
    assert feb.area_name == "Avon and Somerset"
    assert tuple(row(f, "2024-02", BRISTOL)[["ed", "police", "ratio"]]) == (6, 3, 2.0)
    somerset = row(f, "2024-02", SOMERSET)  # as many ED as police: no excess
    assert (somerset.ed, somerset.police, somerset.ed_excess_share) == (1, 1, 0.0)
    # March: police recorded nothing in Somerset, so no ratio, and all of ED is excess
    mar = row(f, "2024-03", SOMERSET)
    assert (mar.ed, mar.police, mar.ed_excess_share) == (2, 0, 1.0) and pd.isna(mar.ratio)
    force = row(f, "2024-03", PFA)
    assert (force.ed, force.police) == (5, 2)
    assert force.ed_excess_share == pytest.approx(1 - 2 / 5)


def test_year_adds_up_the_compared_months_only(volumes):
    r = triangulation.ed_vs_police(volumes, pfa_code=PFA)
    year = row(r.frame, "2024", PFA)
    # January (police only) and April (ED only) are left out
    assert (year.months_compared, year.ed, year.police) == (2, 15, 7)
    assert year.ratio == pytest.approx(15 / 7)
    assert year.ed_excess_share == pytest.approx(1 - 7 / 15)
    bristol = row(r.frame, "2024", BRISTOL)
    assert (bristol.ed, bristol.police, bristol.ed_excess_share) == (8, 5, 1 - 5 / 8)
    assert any("2024 (2)" in c for c in r.caveats)
    assert any("not record linkage" in c for c in r.caveats)


def test_placement_counts_ed_rows_without_an_lsoa(volumes):
    r = triangulation.ed_vs_police(volumes, pfa_code=PFA)
    p = r.placement.set_index("source")
    assert tuple(p.loc["ed_assault", ["rows", "with_lsoa", "no_lsoa", "outside"]]) == (16, 11, 4, 1)
    assert tuple(p.loc["police", ["rows", "with_lsoa", "no_lsoa", "outside"]]) == (8, 6, 1, 1)
    assert any(c.startswith("4 of 16 ED attendances (25%) have no LSOA") for c in r.caveats)
    json.dumps(r.as_dict())


def test_filters_compare_knife_attendances_with_knife_crime(volumes):
    # no knife rows at all: every count is zero, and no ratio is invented
    r = triangulation.ed_vs_police(
        volumes,
        pfa_code=PFA,
        police_filter={"knife_flag": [True]},
        ed_filter={"assault_method": ["knife_sharp"]},
    )
    assert r.frame.ed.sum() == 0 and r.frame.police.sum() == 0
    assert r.frame.ratio.isna().all() and r.frame.ed_excess_share.isna().all()


# ---- hotspots ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spots(template, tmp_path_factory):
    """Two scenarios in one warehouse, told apart by offence code and assault method:

    - top decile (8N / body): police 3 rows in each of 10 LSOAs and 1 in each of 150 more; ED 4
      in each of 5 LSOAs (3 of them among the police 10) and 1 in each of 120 more.
    - Gi* (5D / knife): police 8 rows in each LSOA of a cluster in Bristol, ED 8 in each LSOA
      of a cluster in Somerset; nothing anywhere else.
    """
    tmp = tmp_path_factory.mktemp("spots")
    wh = copy_of(template, tmp)
    lsoa = wh.table("ref_lsoa")
    codes = sorted(
        lsoa.filter((lsoa.pfa_code == PFA) & lsoa.in_2011 & lsoa.in_2021).lsoa_code.execute()
    )
    hot_police, hot_ed = codes[:10], codes[7:12]
    police_spec = [("2024-02", "8N", c, 3) for c in hot_police]
    police_spec += [("2024-02", "8N", c, 1) for c in codes[20:170]]
    ed_spec = [(c, 4) for c in hot_ed] + [(c, 1) for c in codes[200:320]]

    boundary = wh.table("ref_boundary")
    shapes = boundary.filter(boundary.level == "lsoa21").execute()
    geometry = dict(zip(shapes.code, shapes.geometry_geojson.map(shapely.from_geojson),
                        strict=True))  # fmt: skip

    def cluster(centre):
        touching = (
            c for c, g in geometry.items() if c != centre and g.intersects(geometry[centre])
        )
        return [centre, *sorted(touching)]

    police_cluster, ed_cluster = cluster(B1), cluster(S1)
    police_spec += [("2024-02", "5D", c, 8) for c in police_cluster]
    police = tmp / "police.csv"
    police.write_text("\n".join([POLICE_HEADER, *police_rows(police_spec)]) + "\n")
    load(wh, "police-crime", [police])
    load(wh, "ed-assaults", ed_files(tmp, {"2024-02": ed_spec}))
    knives = ed_files(tmp, {"2024-02": [(c, 8) for c in ed_cluster]}, site="RXH01", method="Knife")
    load(wh, "ed-assaults", knives)
    yield wh, {"police": hot_police, "ed": hot_ed, "police_cluster": police_cluster,
               "ed_cluster": ed_cluster, "geometry": geometry}  # fmt: skip
    wh.close()


def test_top_decile_hotspots_in_one_source_but_not_the_other(spots):
    wh, planted = spots
    r = triangulation.hotspot_agreement(
        wh,
        pfa_code=PFA,
        method="top_decile",
        police_filter={"offence_code": ["8N"]},
        ed_filter={"assault_method": ["body"]},
    )
    assert r.summary["vintage"] == "lsoa21" and r.summary["areas"] == 1038
    # 104 is a tenth of 1,038: the 150 police (120 ED) LSOAs tied at 1 would run past it
    hot_in = dict(zip(r.frame.lsoa_code, r.frame.hot_in, strict=True))
    both = set(planted["police"]) & set(planted["ed"])
    assert {c for c, h in hot_in.items() if h == "both"} == both
    assert {c for c, h in hot_in.items() if h == "police only"} == set(planted["police"]) - both
    assert {c for c, h in hot_in.items() if h == "ED only"} == set(planted["ed"]) - both
    assert (r.summary["both"], r.summary["police_only"], r.summary["ed_only"]) == (3, 7, 2)
    assert r.summary["police_rows"] == 180 and r.summary["ed_rows"] == 140


def test_gi_star_hotspots_in_one_source_but_not_the_other(spots):
    wh, planted = spots
    r = triangulation.hotspot_agreement(
        wh,
        pfa_code=PFA,
        method="gi_star",
        police_filter={"offence_code": ["5D"]},
        ed_filter={"assault_method": ["knife_sharp"]},
    )
    hot_in = dict(zip(r.frame.lsoa_code, r.frame.hot_in, strict=True))
    assert hot_in[B1] == "police only" and hot_in[S1] == "ED only"
    assert r.summary["both"] == 0

    def near(cluster):  # the cluster and every LSOA touching it
        g = planted["geometry"]
        return {c for c in g if any(g[c].intersects(g[k]) for k in cluster)}

    police_hot = {c for c, h in hot_in.items() if h == "police only"}
    ed_hot = {c for c, h in hot_in.items() if h == "ED only"}
    assert police_hot <= near(planted["police_cluster"]) and len(police_hot) >= 3
    assert ed_hot <= near(planted["ed_cluster"]) and len(ed_hot) >= 3
    assert any("Getis-Ord Gi*" in c for c in r.caveats)


def test_top_decile_leaves_out_a_tie_that_runs_past_a_tenth():
    counts = pd.Series([5, 3, 3, 1] + [0] * 16)  # 20 areas: a tenth is 2
    assert list(triangulation.top_decile(counts)[:4]) == [True, False, False, False]
    assert triangulation.top_decile(pd.Series([0] * 10)).sum() == 0


# ---- PostgreSQL --------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_gives_the_same_volumes(pg_url, volumes, tmp_path):
    wh = connect(pg_url)
    try:
        # only the two reference tables the comparison reads, as the reference layer builds them
        for name in ("ref_lsoa", "ref_police_force"):
            wh.replace_table(name, reference.build(name))
        fill_volumes(wh, tmp_path)
        on_pg = triangulation.ed_vs_police(wh, pfa_code=PFA).as_dict()
    finally:
        wh.close()
    assert on_pg == triangulation.ed_vs_police(volumes, pfa_code=PFA).as_dict()
