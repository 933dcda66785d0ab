"""Promote the validated candidate marts to the public `marts` schema in one transaction.

dbt builds the marts of a nightly run into a candidate schema; analysts and dashboards read `marts`.
Copying inside one transaction means a reader sees either last night's tables or tonight's, never
a mix, and a failed build or validation leaves `marts` as the last good run made it.
"""

from __future__ import annotations

from flows.settings import Settings
from flows.warehouse import connect

PUBLIC_SCHEMA = "marts"


def candidate_tables(con, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
        [schema],
    ).fetchall()
    return [r[0] for r in rows]


def promote_marts(settings: Settings) -> list[str]:
    source = settings.candidate_schema
    with connect(settings.warehouse_path) as con:
        tables = candidate_tables(con, source)
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
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return tables
