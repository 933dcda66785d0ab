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
      quarantined_at TIMESTAMPTZ
    )
    """,
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


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the landing and quality tables if they are missing (safe to call any time)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS landing")
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    for entity in ENTITIES.values():
        con.execute(landing_ddl(entity))
    for ddl in QUALITY_DDL:
        con.execute(ddl)
