"""Writing rejected rows and files to `quality.quarantine`, with identifier-shaped values masked
(the values `rules.screen_identifiers` flagged)."""

from __future__ import annotations

import datetime as dt

import duckdb

from core.contract import PARTICIPANT_ID_PATTERN, Entity
from flows.ingest.read import FileProblem
from flows.ingest.rules import masked_expr


def quarantine_file(
    con: duckdb.DuckDBPyConnection,
    delivery_id: int,
    source_file: str,
    problems: list[FileProblem],
    now: dt.datetime,
) -> None:
    """One row per problem of a file that is kept out whole; no value of it is stored."""
    con.executemany(
        "INSERT INTO quality.quarantine VALUES (?, ?, NULL, ?, ?, NULL, NULL, ?)",
        [(delivery_id, source_file, p.column_name, p.reason, now) for p in problems],
    )


def quarantine_rows(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    delivery_id: int,
    source_file: str,
    now: dt.datetime,
) -> int:
    """Quarantine the failing rows of `_checked` and the lines of `_malformed`; return the rows."""
    pairs = [f"'{c}', " + masked_expr(entity, c) for c in entity.column_names]
    record = "json_object(" + ", ".join(pairs) + ")"
    pid = (
        f"CASE WHEN regexp_matches(participant_id, '{PARTICIPANT_ID_PATTERN}') "
        "THEN participant_id END"
    )
    params = [delivery_id, source_file, now]
    con.execute(
        f"""
        INSERT INTO quality.quarantine
        SELECT ?, ?, _row_number, e.column_name, e.reason, {pid}, {record}, ?
        FROM (
          SELECT *, unnest(_errors) AS e FROM _checked
          WHERE NOT _withdrawn AND len(_errors) > 0
        )
        ORDER BY _row_number
        """,
        params,
    )
    # A line that could not be parsed has no trustworthy values: only its number is kept.
    con.execute(
        """
        INSERT INTO quality.quarantine
        SELECT ?, ?, row_number, NULL, reason, NULL, NULL, ? FROM _malformed ORDER BY row_number
        """,
        params,
    )
    return con.execute(
        "SELECT (SELECT count(*) FROM _checked WHERE NOT _withdrawn AND len(_errors) > 0)"
        " + (SELECT count(*) FROM _malformed)"
    ).fetchone()[0]
