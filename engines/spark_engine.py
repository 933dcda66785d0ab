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

from core.contract import ENTITIES
from core.engine import PUBLIC_SCHEMA
from core.folders import replace_folder
from core.settings import Settings
from core.warehouse import open_warehouse
from engines.dbt_runner import DOCS_FINGERPRINT_FILE, environment, run_dbt

# Read by dbt_project/profiles.yml (target spark) and models/staging/_sources.yml.
LANDING_ENV = "AUD_DBT_SPARK_LANDING_DIR"
WAREHOUSE_ENV = "AUD_DBT_SPARK_WAREHOUSE_DIR"
METASTORE_ENV = "AUD_DBT_SPARK_METASTORE_DIR"
SPARK_TARGET = "spark"
# Spark reads log4j2.properties and spark-defaults.conf from SPARK_CONF_DIR when its JVM starts.
# Its default console log prints every WARN of Hive, the metastore and Hadoop (a dozen lines a
# run, none actionable here) and a progress bar per stage: errors only, no progress bars.
CONF_DIR_ENV = "SPARK_CONF_DIR"
SPARK_CONF_FILES = {
    "log4j2.properties": """\
# Written by engines/spark_engine.py: Spark's console log, errors only.
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
# Spark resets the console to this logger's level in a Python process (else WARN, announced).
logger.pyspark.name = org.apache.spark.api.python.PythonGatewayServer
logger.pyspark.level = error
# Code too large for Janino: Spark runs the plan interpreted instead, with the same results; the
# compiler's stack trace is no error of the run.
logger.codegen.name = org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator
logger.codegen.level = off
""",
    "spark-defaults.conf": """\
# Written by engines/spark_engine.py.
spark.ui.showConsoleProgress false
""",
}


@dataclass(frozen=True)
class SparkPaths:
    landing: Path  # <landing>/<entity>/ holds that entity's Parquet files
    warehouse: Path  # spark.sql.warehouse.dir: the dbt schemas' tables
    metastore: Path  # the embedded Derby metastore (table catalog)
    conf: Path  # SPARK_CONF_DIR: the console log settings

    def environment(self) -> dict[str, str]:
        values = {
            LANDING_ENV: str(self.landing),
            WAREHOUSE_ENV: str(self.warehouse),
            METASTORE_ENV: str(self.metastore),
        }
        if not os.environ.get(CONF_DIR_ENV):  # an operator's own Spark configuration wins
            values[CONF_DIR_ENV] = str(self.conf)
        return values


def spark_paths(settings: Settings) -> SparkPaths:
    root = (settings.data_dir / "spark").resolve()
    return SparkPaths(root / "landing", root / "warehouse", root / "metastore", root / "conf")


def _prepare(paths: SparkPaths) -> None:
    for folder in (paths.landing, paths.warehouse, paths.metastore, paths.conf):
        folder.mkdir(parents=True, exist_ok=True)
    for name, text in SPARK_CONF_FILES.items():
        path = paths.conf / name
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)


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
            replace_folder(staged, landing_dir / name)
    return counts


@contextlib.contextmanager
def spark_environment(settings: Settings) -> Iterator[SparkPaths]:
    """The environment dbt's spark target reads, for the duration of one call."""
    paths = spark_paths(settings)
    _prepare(paths)
    with environment(paths.environment()):
        yield paths


def run_dbt_spark(settings: Settings, args: list[str], candidate: bool = False) -> None:
    """run_dbt on the spark target (local mode, in-process); DbtBuildError if any node fails."""
    with spark_environment(settings):
        run_dbt(settings, [*args, "--target", SPARK_TARGET], candidate=candidate)


def run_dbt_docs_spark(settings: Settings) -> Path:
    """dbt's docs of the public marts from the spark target; the folder of static_index.html.

    Generated every run (a few seconds). The DuckDB engine may keep docs between runs under a
    fingerprint stamp in the same target folder: the stamp is dropped first, so a later DuckDB
    run never takes these docs for its own.
    """
    (settings.dbt_target_dir / DOCS_FINGERPRINT_FILE).unlink(missing_ok=True)
    run_dbt_spark(settings, ["docs", "generate", "--static"])
    return settings.dbt_target_dir


def spark_session(settings: Settings):  # -> pyspark.sql.SparkSession
    """The in-process Spark session, configured as dbt's spark target (same warehouse/metastore).

    dbt-spark's session method uses getOrCreate, so after a dbt run this returns its session
    (one JVM per process: a session started for another data folder keeps that folder's
    warehouse and metastore).
    """
    paths = spark_paths(settings)
    with spark_environment(settings):
        from pyspark.sql import SparkSession  # imported here: optional dependency, JVM start

        session = _build_session(SparkSession.builder, paths)
    return session


def _build_session(builder, paths: SparkPaths):
    metastore_url = f"jdbc:derby:;databaseName={paths.metastore}/metastore_db;create=true"
    return (
        builder.master("local[2]")
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
    tables = sorted(t.name for t in _stored_tables(session, source) if t.tableType != "VIEW")
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


def drop_candidate_spark(settings: Settings, public_schema: str = PUBLIC_SCHEMA) -> None:
    """Once promoted, the candidate database goes (tables and files): nothing beside `marts`
    looks like the public tables. A failed night keeps its candidate (nothing promoted)."""
    source = settings.candidate_schema
    if source == public_schema:
        return
    session = spark_session(settings)
    if session.catalog.databaseExists(source):
        session.sql(f"drop database {source} cascade")


def _stored_tables(session, database: str) -> list:
    """The database's tables and views; listTables also lists the session's temporary views,
    which belong to no database."""
    return [t for t in session.catalog.listTables(database) if not t.isTemporary]


def _participant_tables(session, database: str) -> list[str]:
    if not session.catalog.databaseExists(database):
        return []
    return [
        t.name
        for t in _stored_tables(session, database)
        if t.tableType != "VIEW"
        and "participant_id"
        in {c.name for c in session.catalog.listColumns(f"{database}.{t.name}")}
    ]


class SparkEngine:
    """dbt-spark in local mode inside this process; the landing as Parquet that Spark reads."""

    name = "spark"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def build_marts(self) -> str:
        counts = build_marts_spark(self.settings, candidate=True)
        rows = ", ".join(f"{name} {n}" for name, n in counts.items())
        return (
            f"Landing written as Parquet for Spark ({rows} rows); dbt build on Spark finished: "
            "every model and test passed."
        )

    def generate_docs(self) -> Path | None:
        return run_dbt_docs_spark(self.settings)

    def promote_marts(self) -> list[str]:
        tables = promote_marts_spark(self.settings)
        drop_candidate_spark(self.settings)
        return tables

    def tables(self, schema: str) -> set[str]:
        session = spark_session(self.settings)
        if not session.catalog.databaseExists(schema):
            return set()
        return {t.name for t in _stored_tables(session, schema)}

    def marts_schema(self) -> str:
        from engines.duckdb_engine import REQUIRED_MARTS

        candidate = self.settings.candidate_schema
        return candidate if set(REQUIRED_MARTS) <= self.tables(candidate) else PUBLIC_SCHEMA

    def read_frame(self, sql: str):
        return spark_session(self.settings).sql(sql).toPandas()

    def read_arrow(self, sql: str):
        return spark_session(self.settings).sql(sql).toArrow()

    def purge_withdrawn(self) -> int:
        """Rewrite Spark's landing from the (already purged) DuckDB landing, and every Spark
        table with a participant_id without the withdrawn participants."""
        with open_warehouse(self.settings, read_only=True) as con:
            hashes = [
                h
                for (h,) in con.execute(
                    "select participant_hash from quality.withdrawn_participants"
                ).fetchall()
            ]
        if not hashes:
            return 0
        paths = spark_paths(self.settings)
        if paths.landing.is_dir() and any(paths.landing.iterdir()):
            export_landing_parquet(self.settings.warehouse_path, paths.landing)
        session = spark_session(self.settings)
        session.createDataFrame(
            [(h,) for h in hashes], "participant_hash string"
        ).createOrReplaceTempView("withdrawn_hashes")
        removed = 0
        for database in (self.settings.candidate_schema, PUBLIC_SCHEMA):
            for name in _participant_tables(session, database):
                table = f"{database}.{name}"
                condition = (
                    "sha2(cast(participant_id as string), 256) in "
                    "(select participant_hash from withdrawn_hashes)"
                )
                hits = session.sql(f"select count(*) from {table} where {condition}").first()[0]
                if not hits:
                    continue
                fresh, old = f"{database}.{name}__purged", f"{database}.{name}__old"
                session.sql(f"drop table if exists {fresh}")
                session.sql(f"drop table if exists {old}")
                session.sql(
                    f"create table {fresh} using parquet as "
                    f"select * from {table} where not ({condition})"
                )
                session.sql(f"alter table {table} rename to {old}")
                session.sql(f"alter table {fresh} rename to {table}")
                session.sql(f"drop table if exists {old}")
                removed += int(hits)
        session.catalog.dropTempView("withdrawn_hashes")
        return removed
