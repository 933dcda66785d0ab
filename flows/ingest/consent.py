"""Consent withdrawal: the participant's rows leave every table of the warehouse and stay out.

Only sha256(participant_id) is kept (`quality.withdrawn_participants`), so later deliveries of the
participant can be recognised and dropped without keeping the id itself.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from core.folders import remove
from core.warehouse import connect, rewrite_file, wal_path


def _tables_with_participant_id(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        """
        SELECT c.table_schema, c.table_name
        FROM information_schema.columns AS c
        JOIN information_schema.tables AS t USING (table_catalog, table_schema, table_name)
        WHERE c.column_name = 'participant_id' AND t.table_type = 'BASE TABLE'
          AND c.table_catalog = current_database()
        ORDER BY 1, 2
        """
    ).fetchall()


def purge_withdrawn(
    con: duckdb.DuckDBPyConnection,
    now: dt.datetime,
    withdrawals: str | None = None,
    sweep: bool = True,
) -> int:
    """Record newly withdrawn participants and delete their rows from every table.

    Withdrawal is for good (EXPORTS.md, "Rules that hold for every entity"): any delivered
    version that says data_sharing_consent = false removes the participant, whatever the other
    versions say, so no version order is involved (the latest-version rule is dbt's alone).
    `withdrawals` is an optional query of further participant ids (column participant_id) whose
    rows say "withdrawn" but were quarantined. With `sweep`, every table is also cleared of any
    participant withdrawn earlier (tables built since, e.g. marts); without it only the new ones
    are deleted, which is enough between files because loading already drops withdrawn
    participants' rows. Returns how many were new. Runs inside the caller's transaction.
    """
    extra = f"UNION SELECT participant_id FROM ({withdrawals})" if withdrawals else ""
    con.execute("DROP TABLE IF EXISTS temp._purge_ids")
    con.execute(
        f"""
        CREATE TEMP TABLE _purge_ids AS
        SELECT pid FROM (
          SELECT participant_id AS pid FROM landing.participants WHERE NOT data_sharing_consent
          {extra}
        )
        WHERE sha256(pid) NOT IN (SELECT participant_hash FROM quality.withdrawn_participants)
        """
    )
    new = con.execute(
        "INSERT INTO quality.withdrawn_participants (participant_hash, withdrawn_at)"
        " SELECT sha256(pid), CAST(? AS TIMESTAMPTZ) FROM _purge_ids",
        [now],
    ).fetchone()[0]
    tables = _tables_with_participant_id(con)
    if sweep and con.execute("SELECT count(*) FROM quality.withdrawn_participants").fetchone()[0]:
        # Ids still present anywhere whose hash is withdrawn (hashing distinct ids, not rows).
        present = " UNION ".join(
            f'SELECT DISTINCT CAST(participant_id AS VARCHAR) AS pid FROM "{s}"."{t}"'
            for s, t in tables
        )
        con.execute(
            f"""
            INSERT INTO _purge_ids
            SELECT pid FROM ({present})
            WHERE pid IS NOT NULL
              AND sha256(pid) IN (SELECT participant_hash FROM quality.withdrawn_participants)
            """
        )
    if con.execute("SELECT count(*) FROM _purge_ids").fetchone()[0]:
        for schema, table in tables:
            con.execute(
                f'DELETE FROM "{schema}"."{table}" '
                "WHERE CAST(participant_id AS VARCHAR) IN (SELECT pid FROM _purge_ids)"
            )
    con.execute("DROP TABLE temp._purge_ids")
    return int(new)


def erase_from_disk(
    warehouse: Path, memory_limit: str, now: dt.datetime, copies: tuple[Path, ...] = ()
) -> int:
    """Rewrite the warehouse file when participants were withdrawn since it was last rewritten,
    and delete `copies` made from it (the analysts' copy and Parquet folder: the next publish
    writes them anew, without the participant).

    The purge deletes their rows, but DuckDB keeps deleted rows' bytes in the file (and its WAL)
    until the blocks are reused; EXPORTS.md wants no byte of them left. `erased_at` marks the
    rewrite done, in the rewritten file itself, so a run killed before it is finished by the next.
    Returns how many withdrawals the rewrite covered.
    """
    with connect(warehouse, memory_limit=memory_limit) as con:
        pending = con.execute(
            "SELECT count(*) FROM quality.withdrawn_participants WHERE erased_at IS NULL"
        ).fetchone()[0]
    if pending:

        def mark_erased(con: duckdb.DuckDBPyConnection, copy: str) -> None:
            con.execute(
                f"UPDATE {copy}.quality.withdrawn_participants SET erased_at = ? "
                "WHERE erased_at IS NULL",
                [now],
            )

        for copy in copies:  # first: a kill after the rewrite must not leave them behind
            remove(copy)
            remove(wal_path(copy))
        rewrite_file(warehouse, memory_limit, mark_erased)
    return int(pending)
