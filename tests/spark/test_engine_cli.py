"""`aud-outcomes run --engine spark` end to end (the `built` fixture, tests/spark/conftest.py):
exit 0, every page published, the public marts read through Spark equal to the DuckDB engine's
for the same exports, and the quarantine, manifest and validation history queryable in DuckDB."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import duckdb
import pytest

from dashboards.publish import PAGE_BUILDERS
from dashboards.templates import BANNER_END, BANNER_START
from expectations.suites import SUITES
from tests.spark.compare import table_differences

if TYPE_CHECKING:
    from tests.spark.conftest import Built

pytestmark = [pytest.mark.slow, pytest.mark.spark]

PAGES = ("index", "retention", "drinking", "engagement", "quality", "metrics")


def _duck(built_settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(built_settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_run_succeeds_and_says_which_engine_ran(built: Built) -> None:
    assert "Run succeeded" in built.cli.stdout
    assert "- Engine: spark" in built.cli.stdout
    warehouse = built.spark.warehouse_path
    summary = json.loads(warehouse.with_name(warehouse.name + ".last-run.json").read_text())
    assert summary["engine"] == "spark"
    assert summary["error"] is None and summary["dbt_ok"] is True
    assert summary["validation"]["success"] is True
    # Spark's console log is turned down: no stage progress bars, no WARN chatter.
    assert "[Stage " not in built.cli.stderr
    assert " WARN " not in built.cli.stderr


def test_site_published_with_every_page(built: Built) -> None:
    site = built.spark.site_dir
    assert len(PAGES) == len(PAGE_BUILDERS)
    for page in PAGES:
        text = (site / f"{page}.html").read_text(encoding="utf-8")
        assert f"{BANNER_START}{BANNER_END}" in text, f"{page}: a failure banner or no layout"
        assert "<main" in text and len(text) > 2000, f"{page}: no content"
    assert (site / "validation" / "index.html").is_file()
    assert (site / "dbt-docs" / "index.html").is_file()
    csvs = list((site / "data").glob("*.csv"))
    assert len(csvs) > 10 and all(p.stat().st_size > 0 for p in csvs)


def test_public_marts_through_spark_equal_duckdb_engine(built: Built) -> None:
    """Every public table: read through Spark from the Spark run's warehouse, compared with the
    DuckDB engine's table built from the same exports."""
    duck_tables = [
        t
        for (t,) in _duck(
            built.duck, "select table_name from duckdb_tables() where schema_name = 'marts'"
        )
    ]
    spark_tables = {t.name for t in built.session.catalog.listTables("marts")}
    assert set(duck_tables) <= spark_tables and len(duck_tables) >= 11
    for table in duck_tables:
        with duckdb.connect(str(built.duck.warehouse_path), read_only=True) as con:
            cursor = con.execute(f"select * from marts.{table}")
            duck_rows = cursor.fetchall()
            columns = [d[0] for d in cursor.description]
        frame = built.session.table(f"marts.{table}")
        assert frame.columns == columns, table
        spark_rows = [tuple(row) for row in frame.collect()]
        assert table_differences(columns, duck_rows, spark_rows) == [], table


def test_quality_tables_stay_queryable_in_duckdb(built: Built) -> None:
    deliveries = sum(1 for _ in built.exports.rglob("*_*.*"))
    ((files,),) = _duck(built.spark, "select count(*) from quality.deliveries")
    assert files == deliveries
    _duck(built.spark, "select count(*) from quality.quarantine")  # exists and reads
    ((withdrawn,),) = _duck(built.spark, "select count(*) from quality.withdrawn_participants")
    assert withdrawn > 0
    # The DuckDB file holds what ingestion owns, never Spark's marts.
    schemas = {
        s
        for (s,) in _duck(
            built.spark, "select distinct table_schema from information_schema.tables"
        )
    }
    assert schemas == {"landing", "quality"}


def test_spark_run_passed_every_validation_suite_like_duckdb(built: Built) -> None:
    """The Spark run's validation history equals a DuckDB gate run over the reference: the same
    suites and expectations, all passed, with the same observed values."""
    from engines.duckdb_engine import DuckDBEngine
    from expectations.gate import validate

    columns = "suite, expectation, severity, success, observed_value"
    spark = sorted(_duck(built.spark, f"select {columns} from quality.validation_runs"))
    assert {row[0] for row in spark} == {s.name for s in SUITES}
    assert all(row[3] for row in spark), [row[:2] for row in spark if not row[3]]
    ids = [i for (i,) in _duck(built.duck, "select delivery_id from quality.deliveries")]
    result = validate(built.duck, DuckDBEngine(built.duck), ids, "duckdb-reference")
    assert result.success
    duck = sorted(_duck(built.duck, f"select {columns} from quality.validation_runs"))
    assert spark == duck
