"""The engine interface: what the pipeline asks of the system that builds and holds the marts.

Ingestion, the quarantine, the manifest and the validation history always live in the DuckDB
warehouse file. The marts are built by dbt on one engine: DuckDB (the same file) or Apache Spark.
The orchestration picks one implementation (`engines.engine_for`) and hands it to every stage, so
no stage branches on the engine's name. Stages import only this protocol, never an implementation.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

PUBLIC_SCHEMA = "marts"


@runtime_checkable
class Engine(Protocol):
    """One engine's answers. Relation names in SQL are `<schema>.<table>` on every engine."""

    name: str  # "duckdb" | "spark", shown in the run summary

    def build_marts(self) -> str:
        """dbt build (models and tests) into the candidate schema; a one-line summary.
        Raises on any failing model or test."""

    def generate_docs(self) -> Path | None:
        """dbt's docs of the public marts; the folder holding static_index.html, or None."""

    def promote_marts(self) -> list[str]:
        """Copy the validated candidate marts to `marts`, then drop the candidate schema (analysts
        see `marts` only); the tables copied."""

    def marts_schema(self) -> str:
        """The schema about to be published: the candidate when a build made it, else `marts`."""

    def tables(self, schema: str) -> set[str]:
        """The table names present in a schema of the engine (empty when it does not exist)."""

    def read_frame(self, sql: str) -> pd.DataFrame:
        """A (small) query over the engine's relations as a pandas DataFrame."""

    def read_arrow(self, sql: str) -> pa.Table:
        """A query as an Arrow table: the column types as the engine has them (dates stay
        dates), for copies that must keep them (the analysts' copy)."""

    def purge_withdrawn(self) -> int:
        """Remove every participant recorded in quality.withdrawn_participants from what the
        engine keeps outside the DuckDB file (landing copies, marts); rows removed."""
