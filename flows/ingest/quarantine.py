"""Writing rejected rows and files to `quality.quarantine`, with identifier-shaped values masked
(the values `rules.screen_identifiers` flagged), and marking what a later delivery resolved.

Resolved (as quality.quarantine's comments say, flows/ingest/schema.py): a file quarantined
whole is resolved by the first later delivery of the same entity and export date that loads; a
rejected row by the first later delivery that loads a version of the same record key (the key in
its `record`), or, when the row's key cannot be read (a malformed line, a missing key), by the
first later loaded delivery of the same file name. A re-delivery that breaks the contract again
is quarantined under its own delivery; what it did not fix stays open.
"""

from __future__ import annotations

import datetime as dt
import logging

import duckdb

from core.contract import PARTICIPANT_ID_PATTERN, Entity
from flows.ingest.read import FileProblem
from flows.ingest.rules import masked_expr

log = logging.getLogger(__name__)

COLUMNS = (
    "delivery_id, source_file, row_number, column_name, reason, participant_id, record, "
    "quarantined_at"
)


def quarantine_file(
    con: duckdb.DuckDBPyConnection,
    delivery_id: int,
    source_file: str,
    problems: list[FileProblem],
    now: dt.datetime,
) -> None:
    """One row per problem of a file that is kept out whole; no value of it is stored."""
    con.executemany(
        f"INSERT INTO quality.quarantine ({COLUMNS}) VALUES (?, ?, NULL, ?, ?, NULL, NULL, ?)",
        [(delivery_id, source_file, p.column_name, p.reason, now) for p in problems],
    )


def quarantine_rows(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    delivery_id: int,
    source_file: str,
    export_date: dt.date | None,
    now: dt.datetime,
) -> int:
    """Quarantine the failing rows of `_checked` and the lines of `_malformed`; return the rows.

    Every delivery that loads comes here (flows/ingest/load.py), so it also marks what it
    resolved of earlier deliveries' quarantine (`resolve_earlier`)."""
    pairs = [f"'{c}', " + masked_expr(entity, c) for c in entity.column_names]
    record = "json_object(" + ", ".join(pairs) + ")"
    pid = (
        f"CASE WHEN regexp_matches(participant_id, '{PARTICIPANT_ID_PATTERN}') "
        "THEN participant_id END"
    )
    params = [delivery_id, source_file, now]
    con.execute(
        f"""
        INSERT INTO quality.quarantine ({COLUMNS})
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
        f"""
        INSERT INTO quality.quarantine ({COLUMNS})
        SELECT ?, ?, row_number, NULL, reason, NULL, NULL, ? FROM _malformed ORDER BY row_number
        """,
        params,
    )
    resolve_earlier(con, entity, delivery_id, source_file, export_date, now)
    return con.execute(
        "SELECT (SELECT count(*) FROM _checked WHERE NOT _withdrawn AND len(_errors) > 0)"
        " + (SELECT count(*) FROM _malformed)"
    ).fetchone()[0]


def resolve_earlier(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    delivery_id: int,
    source_file: str,
    export_date: dt.date | None,
    now: dt.datetime,
) -> int:
    """Mark the open quarantine of earlier deliveries that this loaded delivery resolves (see
    the module doc); the rows of `_checked` without errors are the versions it loaded. Returns
    how many quarantine rows it marked."""
    if not con.execute(
        "SELECT count(*) FROM quality.quarantine WHERE resolved_at IS NULL AND delivery_id < ?",
        [delivery_id],
    ).fetchone()[0]:
        return 0  # most nights: nothing open, nothing to match
    key = f"json_extract_string(q.record, '$.{entity.key}')"
    resolved = con.execute(
        f"""
        UPDATE quality.quarantine AS q
        SET resolved_by_delivery = $delivery, resolved_by_file = $file, resolved_at = $now
        FROM quality.deliveries AS d
        WHERE q.resolved_at IS NULL AND q.delivery_id = d.delivery_id
          AND q.delivery_id < $delivery AND d.entity = $entity
          AND CASE
            WHEN q.row_number IS NULL THEN d.export_date = $export_date
            WHEN {key} IS NOT NULL THEN {key} IN (
              SELECT t_{entity.key} FROM _checked WHERE NOT _withdrawn AND len(_errors) = 0
            )
            ELSE d.source_file = $file
          END
        """,
        {
            "delivery": delivery_id,
            "file": source_file,
            "now": now,
            "entity": entity.name,
            "export_date": export_date,
        },
    ).fetchone()[0]
    if resolved:
        log.info(
            "%s resolved %d quarantined row(s) or file(s) of earlier deliveries",
            source_file,
            resolved,
        )
    return int(resolved)
