"""One program through both engines, shared by every Spark test of the session.

The same generated exports are (1) ingested and built by dbt on DuckDB in-process, the reference,
and (2) run end to end by the real CLI, `aud-outcomes run --engine spark` (ingest on DuckDB, dbt
build on Spark into the candidate, Great Expectations over frames read through the engine,
promotion, dbt docs, dashboards read through Spark). A dbt build on Spark costs minutes on 2
shared cores, so it is done once per test session; the tests then open one in-process Spark
session on the run's warehouse and metastore (one JVM per process, so every Spark test reads this
same program).
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

AS_OF = dt.date(2026, 11, 20)
PARTICIPANTS = 150
SPARK_RUN_TIMEOUT = 1800  # seconds; about 3 minutes on an idle 2-core machine


@dataclass
class Built:
    duck: object  # Settings of the DuckDB reference (its warehouse holds landing and marts)
    spark: object  # Settings of the Spark CLI run (data_dir, warehouse, site)
    session: object  # pyspark.sql.SparkSession on the Spark run's warehouse and metastore
    cli: object  # the CompletedProcess of `aud-outcomes run --engine spark`
    exports: Path
    seconds: dict[str, float] = field(default_factory=dict)


def _require_spark() -> None:
    pytest.importorskip(
        "pyspark", reason="pyspark is not installed: the Spark engine tests need requirements.lock"
    )
    if shutil.which("java") is None:
        pytest.skip("no java on PATH: Spark needs Java 17")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, prefect_api: str) -> Built:
    _require_spark()
    from core.settings import Settings
    from engines.dbt_runner import run_dbt
    from engines.spark_engine import spark_session
    from flows.generate import generate_exports
    from flows.ingest import ingest_exports
    from tests.support import run_cli

    base = tmp_path_factory.mktemp("engines")
    exports = base / "exports"
    generate_exports(exports, participants=PARTICIPANTS, months=12, seed=7, as_of=AS_OF)
    seconds = {}

    duck = Settings(data_dir=base / "duckdb", exports=exports, as_of=AS_OF)
    started = time.perf_counter()
    ingest_exports(duck.exports_dir, duck.warehouse_path, duck)
    run_dbt(duck, ["build"])
    seconds["duckdb ingest + dbt build"] = time.perf_counter() - started

    spark = Settings(
        data_dir=base / "spark",
        exports=exports,
        warehouse=base / "spark" / "warehouse.duckdb",
        site=base / "spark" / "site",
        as_of=AS_OF,
        engine="spark",
    )
    # A new warehouse is made only in a folder that exists (the CLI's preflight).
    spark.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    cli = run_cli(
        "run",
        "--engine",
        "spark",
        "--exports",
        str(exports),
        "--warehouse",
        str(spark.warehouse_path),
        "--site",
        str(spark.site_dir),
        "--as-of",
        AS_OF.isoformat(),
        env={"AUD_DATA_DIR": str(spark.data_dir)},
        timeout=SPARK_RUN_TIMEOUT,
    )
    seconds["spark CLI run"] = time.perf_counter() - started
    assert cli.returncode == 0, cli.stdout[-4000:] + cli.stderr[-4000:]
    print(f"{PARTICIPANTS} participants through both engines: {seconds}")
    # The run's JVM has ended: this process may now open its Derby metastore.
    return Built(duck, spark, spark_session(spark), cli, exports, seconds)
