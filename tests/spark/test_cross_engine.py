"""The same generated exports through DuckDB and through Spark give the same public tables.

Ingestion (contract checks, quarantine, consent purge) runs on DuckDB on both engines; the Spark
run writes its landing tables as Parquet (engines/spark_engine.py) and dbt builds every model and
runs every dbt test on Spark. The Spark side is the real `aud-outcomes run --engine spark`, run
once per session by the `built` fixture (tests/spark/conftest.py); its public marts are compared
with the DuckDB reference's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from core.settings import Settings
from engines.spark_engine import spark_paths
from tests.spark.compare import table_differences

if TYPE_CHECKING:
    from tests.spark.conftest import Built

pytestmark = [pytest.mark.slow, pytest.mark.spark]

CONTRACT_TABLES = [
    "participant_retention",
    "retention_curve",
    "participant_drinking_monthly",
    "appointment_attendance_monthly",
    "participant_initiation",
    "program_rates",
]
DASHBOARD_TABLES = [
    "participants",
    "retention_curve_by_care_track",
    "participant_outcomes",
    "program_outcomes_monthly",
    "program_outcomes",
    "enrolment_funnel",
    "checkin_coverage_monthly",
]
# The marts that serve the site (dbt_project/models/marts/site/).
SITE_TABLES = [
    "site_appointments_monthly",
    "site_checkin_coverage",
    "site_drink_free_paired",
    "site_drinking_monthly",
    "site_enrolment_funnel",
    "site_overview",
    "site_responder_rates",
    "site_retention_at_risk",
    "site_retention_curves",
    "site_retention_rates",
    "site_risk_shift",
]


def _duck_rows(settings: Settings, sql: str) -> tuple[list[str], list[tuple]]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        cursor = con.execute(sql)
        rows = cursor.fetchall()
        return [d[0] for d in cursor.description], rows


@pytest.mark.parametrize("table", CONTRACT_TABLES + DASHBOARD_TABLES + SITE_TABLES)
def test_public_table_identical_on_both_engines(built: Built, table: str) -> None:
    columns, duck_rows = _duck_rows(built.duck, f"SELECT * FROM marts.{table}")
    frame = built.session.table(f"marts.{table}")
    assert frame.columns == columns
    spark_rows = [tuple(row) for row in frame.collect()]
    assert duck_rows, f"marts.{table} is empty: the comparison would prove nothing"
    assert table_differences(columns, duck_rows, spark_rows) == []


def test_every_mart_is_compared(built: Built) -> None:
    _, rows = _duck_rows(
        built.duck, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
    )
    assert {r[0] for r in rows} == set(CONTRACT_TABLES + DASHBOARD_TABLES + SITE_TABLES)


def test_consent_purge_holds_on_spark(built: Built) -> None:
    # The Spark run's own ingestion (DuckDB) recorded who withdrew.
    _, withdrawn = _duck_rows(
        built.spark, "SELECT participant_hash FROM quality.withdrawn_participants"
    )
    assert withdrawn, "the generated program has no withdrawal: nothing to check"
    session = built.session
    hashes = {h for (h,) in withdrawn}
    landing = spark_paths(built.spark).landing
    relations = [
        f"parquet.`{landing / name}`" for name in ("participants", "checkins", "appointments")
    ]
    relations += [f"marts.{t}" for t in CONTRACT_TABLES + DASHBOARD_TABLES + SITE_TABLES]
    for relation in relations:
        if "participant_id" not in session.table(relation).columns:
            continue
        seen = session.sql(
            f"SELECT DISTINCT sha2(cast(participant_id as string), 256) AS h FROM {relation}"
        ).collect()
        assert hashes.isdisjoint(r.h for r in seen), f"withdrawn participant in {relation}"


def test_landing_parquet_matches_duckdb_landing(built: Built) -> None:
    landing = spark_paths(built.spark).landing
    for name in ("participants", "checkins", "appointments"):
        _, ((count,),) = _duck_rows(built.spark, f"SELECT count(*) FROM landing.{name}")
        assert built.session.read.parquet(str(landing / name)).count() == count, name
        assert not list(Path(landing).glob(f".{name}.*")), "a staging folder was left behind"


def _plain_rows(frame) -> list[tuple]:
    """A pandas frame as Python values: dates as date, missing as None, numpy scalars unwrapped."""
    import pandas as pd

    def plain(value: object) -> object:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        if isinstance(value, pd.Timestamp):
            return value.date() if value == value.normalize() else value.to_pydatetime()
        return value.item() if hasattr(value, "item") else value

    return [tuple(plain(v) for v in row) for row in frame.itertuples(index=False)]


def test_dashboards_read_the_same_figures_through_spark(built: Built) -> None:
    from dashboards.queries import QUERIES, load_site_data
    from engines.duckdb_engine import DuckDBEngine
    from engines.spark_engine import SparkEngine

    duck = load_site_data(built.duck, DuckDBEngine(built.duck))
    spark = load_site_data(built.spark, SparkEngine(built.spark))
    marts_queries = [n for n, (needs, _) in QUERIES.items() if needs[0].startswith("marts.")]
    assert set(marts_queries) <= set(spark.frames), spark.missing
    for name in marts_queries:
        columns = list(duck.frames[name].columns)
        assert list(spark.frames[name].columns) == columns, name
        differences = table_differences(
            columns, _plain_rows(duck.frames[name]), _plain_rows(spark.frames[name])
        )
        assert differences == [], name


def test_the_cli_run_left_no_candidate_schema_on_spark(built: Built) -> None:
    """After the Spark run's promotion, analysts see `marts` only (issue 16)."""
    assert built.session.catalog.databaseExists("marts")
    assert not built.session.catalog.databaseExists(built.spark.candidate_schema)


def test_promotion_copies_every_mart_on_spark(built: Built) -> None:
    from engines.spark_engine import promote_marts_spark

    # The module built straight into `marts`; promote that as the candidate into another schema.
    source = built.spark.model_copy(update={"candidate_schema": "marts"})
    tables = promote_marts_spark(source, public_schema="marts_promoted")
    assert set(tables) == set(CONTRACT_TABLES + DASHBOARD_TABLES + SITE_TABLES)
    session = built.session
    for name in tables:
        left = session.table(f"marts.{name}")
        right = session.table(f"marts_promoted.{name}")
        assert right.columns == left.columns
        assert right.exceptAll(left).count() == 0 and left.exceptAll(right).count() == 0, name
    promote_marts_spark(source, public_schema="marts_promoted")  # again: replaces, never fails
    assert {t.name for t in session.catalog.listTables("marts_promoted")} == set(tables)


def test_spark_engine_purges_a_withdrawn_participant(built: Built, tmp_path: Path) -> None:
    """Engine.purge_withdrawn on Spark: a participant recorded as withdrawn in the DuckDB file
    leaves every Spark table with a participant_id; the others' rows stay."""
    import hashlib

    from engines.spark_engine import SparkEngine

    gone, kept = "p_00000000000000aa", "p_00000000000000bb"
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema quality")
        con.execute(
            "create table quality.withdrawn_participants as "
            "select ? as participant_hash, now() as withdrawn_at",
            [hashlib.sha256(gone.encode()).hexdigest()],
        )
    settings = built.spark.model_copy(
        update={"data_dir": tmp_path, "warehouse": warehouse, "candidate_schema": "purge_probe"}
    )
    session = built.session
    session.sql("create database if not exists purge_probe")
    session.sql("drop table if exists purge_probe.rows")
    session.sql(
        f"create table purge_probe.rows using parquet as select * from values "
        f"('{gone}', 1), ('{kept}', 2), ('{gone}', 3) as t(participant_id, n)"
    )
    before = {t.name for t in session.catalog.listTables("marts")}
    assert SparkEngine(settings).purge_withdrawn() == 2
    assert [tuple(r) for r in session.table("purge_probe.rows").collect()] == [(kept, 2)]
    assert {t.name for t in session.catalog.listTables("marts")} == before
    session.sql("drop database purge_probe cascade")
