"""The measures on Apache Spark (PySpark, local mode) give the rows DuckDB gives.

One DuckDB warehouse (reference tables, three police.uk months, a small police crime extract,
a small hospital admissions file, the ONS police force area tables) is copied into one local
Spark session, and `compute` runs on both. The session starts once for the module (about
20 s). Spark needs Java 17: without it these tests fail, saying what to install.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import pytest

from conftest import AS_STREET
from svduty.analysis.measures import Geography, compute, load
from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.warehouse import connect
from svduty.warehouse.feed_ingest import ingest_feed
from svduty.warehouse.ingest import ingest_police_uk
from svduty.warehouse.published_ingest import ingest_ons_prc
from svduty.warehouse.reference_load import load_reference

pytestmark = [
    pytest.mark.spark,
    # PySpark 4.0's Arrow path to pandas passes copy= to astype, which pandas 3 deprecates
    pytest.mark.filterwarnings(
        "ignore:The copy keyword is deprecated:pandas.errors.Pandas4Warning"
    ),
    # PySpark leaves the socket each result arrives on to the garbage collector (pyspark/util.py
    # _load_from_socket: "The socket will be automatically closed when garbage-collected")
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
]

PFA = "E23000036"
MONTHS = ("2018-01", "2018-02", "2018-03")
ONS_PRC = (
    Path(__file__).resolve().parent.parent
    / "src/svduty/data/ons_prc/policeforceareatablesyedecember2024.xlsx"
)
CATALOGUE = load()
TABLES = [
    "police_uk_street", "police_crime", "partner_aggregate", "published_statistic",
    "ref_lsoa", "ref_local_authority", "ref_la_history",
]  # fmt: skip
CRIME_COLUMNS = (
    "Crime reference,Offence code,Recorded date,Offence from,LSOA code,Victim age,"
    "Knife or sharp instrument\n"
)
CRIMES = (
    CRIME_COLUMNS
    + """\
A1,1/1,2022-05-02,2022-05-01,E01029046,19,N
A2,4/1,2022-06-02,2022-06-01,E01014399,40,
A3,8N,2022-06-03,2022-06-02 23:40,E01014399,30,Y
A4,1/1,2022-07-03,2022-07-02,,,
A5,5D,2022-11-30,2022-11-29,E01014485,17,Y
A6,34B,2023-01-02,2023-01-01,E01014399,30,Y
A7,8N,2023-01-09,2023-01-08,E01029046,22,N
"""
)
HOSPITAL = """\
Period start,Period end,Area code,Age band,Sex,Measure,Count
2021-04-01,2022-03-31,E06000022,,,X99,10
2021-04-01,2022-03-31,E06000023,,,X99,58
2021-04-01,2022-03-31,E06000024,,,X99,9
2021-04-01,2022-03-31,E06000025,,,X99,14
2021-04-01,2022-03-31,E06000066,,,X99,30
2022-04-01,2023-03-31,E06000022,,,X99,12
2022-04-01,2023-03-31,E06000023,,,X99,61
2022-04-01,2023-03-31,E06000024,,,X99,*
2022-04-01,2023-03-31,E06000025,,,X99,15
2022-04-01,2023-03-31,E06000066,,,X99,33
2022-04-01,2023-03-31,E06000023,0-24,,X99,24
2022-04-01,2023-03-31,E06000023,,,X85-Y09,300
"""


@pytest.fixture(scope="module")
def spark_starting():
    """The local Spark session, started in the background while the DuckDB warehouse loads."""
    from svduty.warehouse.spark import local_session, stop_local_session

    with ThreadPoolExecutor(max_workers=1) as pool:
        starting = pool.submit(local_session)
        try:
            yield starting
        finally:
            wait([starting])
            stop_local_session()


@pytest.fixture(scope="module")
def spark(spark_starting):
    """The started session; no Java or no PySpark is a failure, not a skip."""
    from svduty.warehouse.spark import SparkUnavailable

    try:
        return spark_starting.result()
    except SparkUnavailable as exc:
        pytest.fail(f"Spark cannot run here, so the Spark tests cannot: {exc}")


@pytest.fixture(scope="module")
def duck(tmp_path_factory, spark_starting):
    folder = tmp_path_factory.mktemp("spark")
    wh = connect(f"duckdb:///{folder / 'w.duckdb'}")
    load_reference(wh, loaded_by="t")
    ingest_police_uk(
        wh, [AS_STREET / f"{m}-avon-and-somerset-street.csv.gz" for m in MONTHS], loaded_by="t"
    )
    key = Pseudonymiser(b"k" * 32)
    for feed, name, text in (
        ("police-crime", "crimes.csv", CRIMES),
        ("hospital-admissions", "hes.csv", HOSPITAL),
    ):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        (result,) = ingest_feed(wh, feed, [path], pseudonymiser=key, loaded_by="t")
        assert result.rows_quarantined == 0, result
    ingest_ons_prc(wh, [ONS_PRC], loaded_by="t")
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def on_spark(duck, spark):
    from svduty.warehouse.spark import SparkWarehouse

    wh = SparkWarehouse.from_warehouse(duck, TABLES, session=spark)
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def engines(duck, on_spark):
    """Each warehouse with its geography (read from that warehouse's own tables)."""
    return [(wh, Geography.load(wh, PFA, "avon-and-somerset")) for wh in (duck, on_spark)]


def both(engines, measure_id: str, **kw) -> tuple[list[dict], list[dict]]:
    """The measure's rows from DuckDB and from Spark."""
    duck, spark = (
        compute(wh, CATALOGUE, geo, measure_ids=[measure_id], **kw) for wh, geo in engines
    )
    return duck, spark


def test_the_copy_keeps_every_column_type_and_row(duck, on_spark):
    assert on_spark.kind == "spark"
    for name in TABLES:
        assert on_spark.has_table(name)
        there = duck.table(name).schema()
        # Ibis reads every Spark column as nullable and its timestamps without a precision,
        # so the types are compared by kind here and NOT NULL in Spark's own schema
        kinds = {c: type(t).__name__ for c, t in there.items()}
        assert {c: type(t).__name__ for c, t in on_spark.table(name).schema().items()} == kinds
        spark_schema = on_spark.session.table(name).schema
        assert {f.name: f.nullable for f in spark_schema} == {
            c: t.nullable for c, t in there.items()
        }, name
        assert on_spark.table(name).count().execute() == duck.table(name).count().execute()
    assert not on_spark.has_table("quarantine")  # only the tables asked for


def test_a_copy_of_a_table_the_warehouse_lacks_is_refused(duck, spark):
    from svduty.warehouse.spark import SparkWarehouse

    with pytest.raises(ValueError, match=r"duckdb warehouse has no table.*ref_nowhere"):
        SparkWarehouse.from_warehouse(duck, ["ref_lsoa", "ref_nowhere"], session=spark)


def test_a_police_uk_measure_is_the_same_on_spark(engines):
    rows, on_spark = both(engines, "police-uk-weapons")
    assert on_spark == rows
    assert sum(r["count"] for r in rows if r["area_code"] == PFA) > 0
    assert {r["period_type"] for r in rows} == {"month", "quarter", "calendar_year",
                                                "financial_year"}  # fmt: skip


@pytest.mark.parametrize("measure_id", ["homicide", "knife-police", "knife-police-under-25"])
def test_a_measure_from_the_local_definition_is_the_same_on_spark(engines, measure_id):
    rows, on_spark = both(engines, measure_id, period_types=("month", "calendar_year"))
    assert on_spark == rows
    year = {(r["area_code"], r["period"]): r for r in rows if r["period_type"] == "calendar_year"}
    expected = {"homicide": 3, "knife-police": 2, "knife-police-under-25": 1}[measure_id]
    assert year[(PFA, "2022")]["count"] == expected
    assert year[(PFA, "2022")]["definition"].startswith("home-office-core")


@pytest.mark.parametrize("measure_id", ["hospital-sharp-object", "hospital-sharp-object-under-25"])
def test_the_hospital_measure_is_the_same_on_spark(engines, measure_id):
    rows, on_spark = both(engines, measure_id)
    assert on_spark == rows
    by = {(r["area_code"], r["period"]): r for r in rows}
    if measure_id == "hospital-sharp-object":
        assert by[("E06000023", "2022/23")]["count"] == 61
        assert by[(PFA, "2021/22")]["count"] == 121  # the force built from its authorities
        assert by[(PFA, "2022/23")]["suppressed"] and by[(PFA, "2022/23")]["count"] is None
        assert by[("E06000023", "2022/23")]["change_pct"] is None  # baseline 2019: none
    else:
        assert by[("E06000023", "2022/23")]["count"] == 24


def test_the_published_measure_is_the_same_on_spark(engines):
    rows, on_spark = both(engines, "knife-police-published")
    assert on_spark == rows
    assert {"E23000036", "K04000001"} <= {r["area_code"] for r in rows}


def test_a_spark_warehouse_is_read_only(on_spark):
    from svduty.warehouse.spark import ReadOnlyWarehouse

    with pytest.raises(ReadOnlyWarehouse, match="DuckDB or PostgreSQL"), on_spark.transaction():
        pass
    with pytest.raises(ReadOnlyWarehouse):
        on_spark.replace_table("ref_lsoa", None)


def test_spark_url_reads_tables_already_in_a_spark_database(duck, spark):
    """spark://local/DATABASE: a Spark estate that holds the tables under the same names."""
    from svduty.warehouse.spark import connect as spark_connect

    authorities = duck.table("ref_local_authority").to_pyarrow()
    spark.sql("CREATE DATABASE IF NOT EXISTS svduty_estate")
    try:
        spark.createDataFrame(authorities).write.saveAsTable(
            "svduty_estate.ref_local_authority", mode="overwrite"
        )
        wh = spark_connect("spark://local/svduty_estate")
        try:
            assert wh.url == "spark://local/svduty_estate"
            assert wh.has_table("ref_local_authority") and not wh.has_table("police_crime")
            t = wh.table("ref_local_authority")
            assert t.filter(t.pfa_code == PFA).count().execute() == 5
        finally:
            wh.close()
    finally:
        spark.sql("DROP DATABASE svduty_estate CASCADE")
    with pytest.raises(ValueError, match="spark://local"):
        spark_connect("spark://cluster.example:7077")


def test_without_java_spark_says_what_to_install(monkeypatch, tmp_path):
    from svduty.warehouse.spark import SparkUnavailable, check_java

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SparkUnavailable, match=r"Java 17 or later.*openjdk-17"):
        check_java()


@pytest.mark.postgres
def test_a_copy_from_postgresql_gives_postgresql_s_answers(pg_url, spark):
    from svduty.warehouse.spark import SparkWarehouse

    wh = connect(pg_url)
    try:
        load_reference(wh, loaded_by="t")
        ingest_police_uk(wh, [AS_STREET / "2018-01-avon-and-somerset-street.csv.gz"], loaded_by="t")
        copy = SparkWarehouse.from_warehouse(
            wh, ["police_uk_street", "ref_lsoa", "ref_local_authority", "ref_la_history"]
        )
        try:
            rows, on_spark = (
                compute(w, CATALOGUE, Geography.load(w, PFA, "avon-and-somerset"),
                        measure_ids=["police-uk-robbery"])
                for w in (wh, copy)
            )  # fmt: skip
            assert on_spark == rows and len(rows) > 10
        finally:
            copy.close()
    finally:
        wh.close()
