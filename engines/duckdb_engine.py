"""The DuckDB engine: dbt-duckdb builds the marts inside the warehouse file itself.

dbt builds a nightly run's marts into a candidate schema; analysts and dashboards read `marts`.
Promotion copies them inside one transaction, so a reader sees either last night's tables or
tonight's, never a mix, and a failed build or validation leaves `marts` as the last good run made.
The same transaction drops the candidate: once promoted, nothing beside `marts` looks like the
public tables (a failed night keeps its candidate, for the quality team to look at).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.engine import PUBLIC_SCHEMA
from core.settings import Settings
from core.warehouse import open_warehouse
from engines.dbt_runner import run_dbt, run_dbt_docs

DUCKDB_TARGET = "duckdb"
# The tables a build must have made for its schema to count as built (engine.marts_schema).
REQUIRED_MARTS = (
    "participants",
    "participant_retention",
    "retention_curve",
    "participant_drinking_monthly",
    "appointment_attendance_monthly",
)


def schema_tables(con, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
        [schema],
    ).fetchall()
    return [r[0] for r in rows]


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def build_marts(self) -> str:
        run_dbt(self.settings, ["build"], candidate=True)
        return "dbt build finished: every model and test passed."

    def generate_docs(self) -> Path | None:
        return run_dbt_docs(self.settings)

    def promote_marts(self) -> list[str]:
        source = self.settings.candidate_schema
        with open_warehouse(self.settings) as con:
            tables = schema_tables(con, source)
            if not tables:
                raise RuntimeError(f"no tables in schema {source} to publish; did dbt build run?")
            con.execute("begin transaction")
            try:
                con.execute(f"create schema if not exists {PUBLIC_SCHEMA}")
                for name in tables:
                    con.execute(
                        f'create or replace table {PUBLIC_SCHEMA}."{name}" as '
                        f'select * from {source}."{name}"'
                    )
                if source != PUBLIC_SCHEMA:
                    con.execute(f'drop schema "{source}" cascade')
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
        return tables

    def tables(self, schema: str) -> set[str]:
        if not self.settings.warehouse_path.exists():
            return set()
        with open_warehouse(self.settings, read_only=True) as con:
            return set(schema_tables(con, schema))

    def marts_schema(self) -> str:
        candidate = self.settings.candidate_schema
        return candidate if set(REQUIRED_MARTS) <= self.tables(candidate) else PUBLIC_SCHEMA

    def read_frame(self, sql: str) -> pd.DataFrame:
        with open_warehouse(self.settings, read_only=True) as con:
            return con.execute(sql).df()

    def read_arrow(self, sql: str):
        with open_warehouse(self.settings, read_only=True) as con:
            return con.sql(sql).to_arrow_table()

    def purge_withdrawn(self) -> int:
        # The marts live in the warehouse file, which ingestion's consent purge already sweeps
        # (every table with a participant_id, flows/ingest/consent.py): nothing else holds them.
        return 0
