"""The analysts' copy: the public marts and the quality team's tables in a DuckDB file that
DuckDB 1.4 and every later 1.x client opens, and every public table as Parquet.

Analysts read these, never the warehouse itself: a reader holding the warehouse would block the
nightly run (DuckDB has one writing process per file). Each is written whole beside its target
and swapped in (a new file renamed over the old, a new folder for the old), so a reader keeps a
consistent snapshot until it reconnects and never blocks the run. Tables and columns carry their
descriptions as database comments: dbt's (the manifest) for the marts, ingestion's and the
gate's own for the quality tables.

The marts are read through the engine as Arrow (types kept), so the copy is the same on DuckDB
and Spark; the quality tables always live in the DuckDB warehouse.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from core.engine import PUBLIC_SCHEMA, Engine
from core.folders import remove, replace_folder
from core.settings import Settings
from core.warehouse import wal_path

# The oldest storage format DuckDB writes that 1.4 reads (2.x files are not readable by 1.x).
STORAGE_VERSION = "v1.4.0"
# What the quality team's tables give analysts. The quarantine's `record` (the rejected row's raw
# values) and the withdrawn participants' hashes stay in the warehouse only.
QUALITY_TABLES: dict[str, str] = {
    "deliveries": "*",
    "quarantine": "* EXCLUDE (record)",
    "validation_runs": "*",
}


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def marts_docs(settings: Settings) -> dict[str, dict]:
    """Each public model's description and column descriptions, from dbt's manifest."""
    manifest = settings.dbt_target_dir / "manifest.json"
    if not manifest.is_file():
        return {}
    nodes = json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {})
    docs = {}
    for node in nodes.values():
        if node.get("resource_type") == "model" and node.get("path", "").startswith("marts/"):
            docs[node.get("alias") or node["name"]] = {
                "description": node.get("description") or "",
                "columns": {
                    name: column.get("description") or ""
                    for name, column in (node.get("columns") or {}).items()
                },
            }
    return docs


def _comment(con, relation: str, description: str, columns: dict[str, str]) -> None:
    if description:
        con.execute(f"COMMENT ON TABLE {relation} IS {_sql_text(description)}")
    present = {
        r[0] for r in con.execute(f"SELECT column_name FROM (DESCRIBE {relation})").fetchall()
    }
    for name, text in columns.items():
        if text and name in present:
            con.execute(f'COMMENT ON COLUMN {relation}."{name}" IS {_sql_text(text)}')


def _quality_docs(con, table: str) -> tuple[str, dict[str, str]]:
    """The comments the warehouse's own quality table carries (flows/ingest/schema.py)."""
    row = con.execute(
        "SELECT comment FROM duckdb_tables() WHERE database_name = 'warehouse' "
        "AND schema_name = 'quality' AND table_name = ?",
        [table],
    ).fetchone()
    columns = con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE database_name = 'warehouse' "
        "AND schema_name = 'quality' AND table_name = ?",
        [table],
    ).fetchall()
    return (row[0] or "") if row else "", {name: text or "" for name, text in columns}


def _write_copy(settings: Settings, engine: Engine, new: Path) -> list[str]:
    tables = sorted(engine.tables(PUBLIC_SCHEMA))
    if not tables:
        raise RuntimeError(f"no tables in schema {PUBLIC_SCHEMA} to copy for analysts")
    frames = {t: engine.read_arrow(f"select * from {PUBLIC_SCHEMA}.{t}") for t in tables}
    docs = marts_docs(settings)
    con = duckdb.connect(config={"memory_limit": settings.duckdb_memory_limit})
    try:
        con.execute(f"ATTACH {_sql_text(str(new))} AS copy (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute(f"ATTACH {_sql_text(str(settings.warehouse_path))} AS warehouse (READ_ONLY)")
        con.execute(f"CREATE SCHEMA copy.{PUBLIC_SCHEMA}")
        for table, frame in frames.items():
            con.register("arrow_frame", frame)
            relation = f'copy.{PUBLIC_SCHEMA}."{table}"'
            con.execute(f"CREATE TABLE {relation} AS SELECT * FROM arrow_frame")
            con.unregister("arrow_frame")
            doc = docs.get(table, {})
            _comment(con, relation, doc.get("description", ""), doc.get("columns", {}))
        con.execute("CREATE SCHEMA copy.quality")
        present = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'warehouse' "
                "AND schema_name = 'quality'"
            ).fetchall()
        }
        for table, columns in QUALITY_TABLES.items():
            if table not in present:
                continue
            relation = f"copy.quality.{table}"
            con.execute(
                f"CREATE TABLE {relation} AS SELECT {columns} FROM warehouse.quality.{table}"
            )
            _comment(con, relation, *_quality_docs(con, table))
        con.execute("DETACH warehouse")
        con.execute("DETACH copy")
    finally:
        con.close()
    return tables


def _write_parquet(copy: Path, tables: list[str], folder: Path) -> None:
    remove(folder)
    folder.mkdir(parents=True)
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_sql_text(str(copy))} AS copy (READ_ONLY)")
        for table in tables:
            target = _sql_text(str(folder / f"{table}.parquet"))
            relation = f'copy.{PUBLIC_SCHEMA}."{table}"'
            con.execute(f"COPY {relation} TO {target} (FORMAT parquet, COMPRESSION zstd)")
    finally:
        con.close()


def publish_analytics_copy(settings: Settings, engine: Engine) -> Path:
    """Write the analysts' copy and its Parquet folder from the public marts just published,
    and swap both in; returns the copy's path. A failure leaves the last copy as it was."""
    final = settings.analytics_path
    final.parent.mkdir(parents=True, exist_ok=True)
    new = final.with_name(final.name + ".new")
    parquet_new = settings.parquet_dir.with_name(settings.parquet_dir.name + ".new")
    for leftover in (new, wal_path(new), parquet_new):
        remove(leftover)
    try:
        tables = _write_copy(settings, engine, new)
        _write_parquet(new, tables, parquet_new)
        with open(new, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(new, final)  # readers of the old file keep it until they reconnect
        replace_folder(parquet_new, settings.parquet_dir)
    finally:
        for leftover in (new, wal_path(new), parquet_new):
            remove(leftover)
    return final
