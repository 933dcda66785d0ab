"""The transform stage: dbt builds the marts on one engine behind `core.engine.Engine`.

`engine_for(settings)` is the one place that maps the engine setting to an implementation; the
orchestration calls it and hands the engine to the stages.
"""

from __future__ import annotations

from core.engine import Engine
from core.settings import Settings
from engines.duckdb_engine import DuckDBEngine
from engines.spark_engine import SparkEngine

ENGINES: dict[str, type] = {"duckdb": DuckDBEngine, "spark": SparkEngine}


def engine_for(settings: Settings) -> Engine:
    return ENGINES[settings.engine](settings)
