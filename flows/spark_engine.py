"""The Spark engine (issue 8): landing as Parquet folders, and dbt on the `spark` target.

Ingestion's checks, quarantine and consent purge run unchanged on DuckDB; the landing tables are
then written out as Parquet, one folder per entity, which dbt-spark reads in place
(`parquet.`<folder>``, see dbt_project/models/staging/_sources.yml). Spark runs in local mode
inside this process (dbt-spark `method: session`); its warehouse and metastore live under
`<data_dir>/spark/` so runs against different data folders never share state.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from flows.contract import ENTITIES
from flows.settings import Settings
from flows.transform import _environment, run_dbt

# Read by dbt_project/profiles.yml (target spark) and models/staging/_sources.yml.
LANDING_ENV = "AUD_DBT_SPARK_LANDING_DIR"
WAREHOUSE_ENV = "AUD_DBT_SPARK_WAREHOUSE_DIR"
METASTORE_ENV = "AUD_DBT_SPARK_METASTORE_DIR"
SPARK_TARGET = "spark"


@dataclass(frozen=True)
class SparkPaths:
    landing: Path  # <landing>/<entity>/ holds that entity's Parquet files
    warehouse: Path  # spark.sql.warehouse.dir: the dbt schemas' tables
    metastore: Path  # the embedded Derby metastore (table catalog)

    def environment(self) -> dict[str, str]:
        return {
            LANDING_ENV: str(self.landing),
            WAREHOUSE_ENV: str(self.warehouse),
            METASTORE_ENV: str(self.metastore),
        }


def spark_paths(settings: Settings) -> SparkPaths:
    root = (settings.data_dir / "spark").resolve()
    return SparkPaths(root / "landing", root / "warehouse", root / "metastore")


def _replace_dir(staged: Path, final: Path) -> None:
    """Swap a fully written folder into place: readers see the old or the new files, never half.

    rename() is atomic only onto a missing path, so the old folder is renamed aside first; the
    window in between shows no folder at all (a reader fails loudly, never reads a mix).
    """
    old = final.with_name(final.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    staged.rename(final)
    if old.exists():
        shutil.rmtree(old)


def export_landing_parquet(warehouse: Path, landing_dir: Path) -> dict[str, int]:
    """Write every landing table of the DuckDB warehouse as <landing_dir>/<entity>/part-0.parquet.

    Each entity folder is written in a temporary sibling and swapped in whole. Returns the rows
    written per entity. Timestamps stay instants (TIMESTAMPTZ -> Parquet UTC-adjusted timestamps,
    which Spark reads as TIMESTAMP).
    """
    landing_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name in ENTITIES:
            staged = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=landing_dir))
            target = staged / "part-0.parquet"
            con.execute(f"COPY (SELECT * FROM landing.{name}) TO '{target}' (FORMAT parquet)")
            (count,) = con.execute(f"SELECT count(*) FROM landing.{name}").fetchone()
            counts[name] = int(count)
            _replace_dir(staged, landing_dir / name)
    return counts


@contextlib.contextmanager
def spark_environment(settings: Settings) -> Iterator[SparkPaths]:
    """The environment dbt's spark target reads, for the duration of one call."""
    paths = spark_paths(settings)
    for folder in (paths.landing, paths.warehouse, paths.metastore):
        folder.mkdir(parents=True, exist_ok=True)
    with _environment(paths.environment()):
        yield paths


def run_dbt_spark(settings: Settings, args: list[str], candidate: bool = False) -> None:
    """run_dbt on the spark target (local mode, in-process); DbtBuildError if any node fails."""
    with spark_environment(settings):
        run_dbt(settings, [*args, "--target", SPARK_TARGET], candidate=candidate)


def spark_session(settings: Settings):  # -> pyspark.sql.SparkSession
    """The in-process Spark session, configured as dbt's spark target (same warehouse/metastore).

    dbt-spark's session method uses getOrCreate, so after a dbt run this returns its session.
    """
    from pyspark.sql import SparkSession  # imported here: optional dependency, JVM start

    paths = spark_paths(settings)
    metastore_url = f"jdbc:derby:;databaseName={paths.metastore}/metastore_db;create=true"
    return (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(paths.warehouse))
        .config("spark.hadoop.javax.jdo.option.ConnectionURL", metastore_url)
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={paths.metastore}")
        .config("spark.log.structuredLogging.enabled", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .enableHiveSupport()
        .getOrCreate()
    )


def pyspark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return os.environ.get("JAVA_HOME") is not None or shutil.which("java") is not None


def build_marts_spark(settings: Settings, candidate: bool = True) -> dict[str, int]:
    """The Spark engine's `dbt build`: landing (already ingested into DuckDB) as Parquet, then
    every model and dbt test on the spark target. Returns the landing rows written per entity."""
    counts = export_landing_parquet(settings.warehouse_path, spark_paths(settings).landing)
    run_dbt_spark(settings, ["build"], candidate=candidate)
    return counts


def promote_marts_spark(settings: Settings, public_schema: str = "marts") -> list[str]:
    """Copy the validated candidate marts to `marts` in Spark's metastore.

    Spark's file tables have no multi-table transaction (REPLACE TABLE needs a v2 catalog such as
    Delta or Iceberg), so each table is rebuilt under a new name and swapped in by rename: a
    reader sees a whole old or whole new table, though for a moment not all tables of one run.
    """
    session = spark_session(settings)
    source = settings.candidate_schema
    tables = sorted(t.name for t in session.catalog.listTables(source) if t.tableType != "VIEW")
    if not tables:
        raise RuntimeError(f"no tables in Spark database {source} to publish; did dbt build run?")
    session.sql(f"create database if not exists {public_schema}")
    for name in tables:
        fresh, old = f"{public_schema}.{name}__new", f"{public_schema}.{name}__old"
        session.sql(f"drop table if exists {fresh}")
        session.sql(f"drop table if exists {old}")
        session.sql(f"create table {fresh} using parquet as select * from {source}.{name}")
        if session.catalog.tableExists(f"{public_schema}.{name}"):
            session.sql(f"alter table {public_schema}.{name} rename to {old}")
        session.sql(f"alter table {fresh} rename to {public_schema}.{name}")
        session.sql(f"drop table if exists {old}")
    return tables
