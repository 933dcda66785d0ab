"""The tables ingestion writes: landing.* (every delivered version) and the quality manifest."""

from __future__ import annotations

import duckdb

from core.contract import ENTITIES, landing_ddl

QUALITY_DDL = (
    """
    CREATE TABLE IF NOT EXISTS quality.deliveries (
      delivery_id BIGINT NOT NULL,
      source_file VARCHAR NOT NULL,
      entity VARCHAR,
      export_date DATE,
      file_format VARCHAR,
      bytes BIGINT,
      sha256 VARCHAR,
      status VARCHAR,
      rows_read BIGINT,
      rows_loaded BIGINT,
      rows_quarantined BIGINT,
      rows_withdrawn BIGINT,
      redelivery BOOLEAN,
      loaded_at TIMESTAMPTZ
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS quality.quarantine (
      delivery_id BIGINT,
      source_file VARCHAR,
      row_number BIGINT,
      column_name VARCHAR,
      reason VARCHAR,
      participant_id VARCHAR,
      record JSON,
      quarantined_at TIMESTAMPTZ,
      resolved_by_delivery BIGINT,
      resolved_by_file VARCHAR,
      resolved_at TIMESTAMPTZ
    )
    """,
    # Warehouses made before re-deliveries were marked: the columns are added (null: open).
    "ALTER TABLE quality.quarantine ADD COLUMN IF NOT EXISTS resolved_by_delivery BIGINT",
    "ALTER TABLE quality.quarantine ADD COLUMN IF NOT EXISTS resolved_by_file VARCHAR",
    "ALTER TABLE quality.quarantine ADD COLUMN IF NOT EXISTS resolved_at TIMESTAMPTZ",
    """
    CREATE TABLE IF NOT EXISTS quality.withdrawn_participants (
      participant_hash VARCHAR NOT NULL,
      withdrawn_at TIMESTAMPTZ,
      erased_at TIMESTAMPTZ
    )
    """,
    # Warehouses made before erasure from disk was recorded: rewritten on their next run.
    "ALTER TABLE quality.withdrawn_participants ADD COLUMN IF NOT EXISTS erased_at TIMESTAMPTZ",
)


# Descriptions the tables carry in the database (and so in the analysts' copy). Grain first.
QUALITY_DOCS: dict[str, tuple[str, dict[str, str]]] = {
    "deliveries": (
        "One row per delivered file seen in the drop folder (a re-delivery is a new row): what "
        "ingestion did with it.",
        {
            "delivery_id": "Order in which files were processed; key.",
            "source_file": "Path in the drop folder (<system>/<name>); identifier-shaped names "
            "are masked with their content hash.",
            "entity": "participants, checkins or appointments (from the file name).",
            "export_date": "Export date from the file name.",
            "file_format": "csv, jsonl or parquet.",
            "bytes": "File size.",
            "sha256": "Content hash; null for what is no regular file (never opened).",
            "status": "loaded, quarantined (whole file) or empty.",
            "rows_read": "Rows parsed from the file.",
            "rows_loaded": "Rows stored in landing.",
            "rows_quarantined": "Rows sent to quality.quarantine.",
            "rows_withdrawn": "Rows of participants who withdrew consent, not stored.",
            "redelivery": "True when a file of this name was delivered before with other bytes.",
            "loaded_at": "When ingestion processed the file (UTC).",
        },
    ),
    "quarantine": (
        "One row per rejected row and column (row_number null: the whole file): why it was not "
        "loaded. Never holds a participant's values outside `record`, which stays in the "
        "warehouse.",
        {
            "delivery_id": "The delivery (quality.deliveries).",
            "source_file": "The delivered file, as in quality.deliveries.",
            "row_number": "Row of the file (1 = first data row); null when the whole file was "
            "rejected.",
            "column_name": "The column that broke the contract, if one did.",
            "reason": "The rule broken, in words.",
            "participant_id": "The row's participant, when its id was valid.",
            "record": "The rejected row as delivered (JSON); for the quality team only.",
            "quarantined_at": "When (UTC).",
            "resolved_by_delivery": "The later delivery that resolved it (quality.deliveries); "
            "null while the source system has still to re-send. A whole file is resolved by a "
            "later loaded file of the same entity and export date; a row by a later loaded "
            "version of the same record key, or, when its key cannot be read, by a later loaded "
            "delivery of the same file name.",
            "resolved_by_file": "The file of that delivery.",
            "resolved_at": "When that delivery was loaded (UTC).",
        },
    ),
    "withdrawn_participants": (
        "One row per participant who withdrew consent: only sha256 of the id is kept.",
        {
            "participant_hash": "sha256 of the participant id.",
            "withdrawn_at": "When the withdrawal was processed (UTC).",
            "erased_at": "When the warehouse file was rewritten without them (UTC).",
        },
    ),
}


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def document(con: duckdb.DuckDBPyConnection, schema: str, docs: dict) -> None:
    """COMMENT ON each table and column of `docs` (table: (description, columns)) whose comment
    differs: a night writes nothing when they are current (a full disk fails at the first file,
    with its own message, not here)."""
    current = dict(
        con.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = ? "
            "AND database_name = current_database()",
            [schema],
        ).fetchall()
    )
    current |= {
        f"{t}.{c}": text
        for t, c, text in con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() "
            "WHERE schema_name = ? AND database_name = current_database()",
            [schema],
        ).fetchall()
    }
    for table, (description, columns) in docs.items():
        if current.get(table) != description:
            con.execute(f"COMMENT ON TABLE {schema}.{table} IS {_sql_text(description)}")
        for column, text in columns.items():
            if current.get(f"{table}.{column}") != text:
                con.execute(f"COMMENT ON COLUMN {schema}.{table}.{column} IS {_sql_text(text)}")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the landing and quality tables if they are missing (safe to call any time)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS landing")
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    for entity in ENTITIES.values():
        con.execute(landing_ddl(entity))
    for ddl in QUALITY_DDL:
        con.execute(ddl)
    document(con, "quality", QUALITY_DOCS)
