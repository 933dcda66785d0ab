"""One ingestion pass over the drop folder: each new file in its own transaction."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import logging
from pathlib import Path

import duckdb

from core.contract import ENTITIES, LINEAGE_COLUMNS
from core.run_summary import IngestReport
from core.settings import Settings
from core.warehouse import busy_hint, connect
from flows.ingest.consent import erase_from_disk, purge_withdrawn
from flows.ingest.discover import Delivery, discover
from flows.ingest.quarantine import quarantine_file, quarantine_rows
from flows.ingest.read import FileProblem, ReadResult, read_delivery
from flows.ingest.rules import build_checked
from flows.ingest.schema import ensure_schema

log = logging.getLogger(__name__)


class DropFolderChanged(RuntimeError):
    """Files delivered earlier are missing from the drop folder: it is not what it was (an
    unmounted share, a wrong path). The night is critical, and nothing was loaded."""

    def __init__(self, exports_dir: Path, vanished: list[str]) -> None:
        self.vanished = vanished
        shown = ", ".join(vanished[:3]) + (", ..." if len(vanished) > 3 else "")
        super().__init__(
            f"{len(vanished)} file(s) delivered earlier are missing from the drop folder "
            f"{exports_dir} ({shown}): check that the exports share is mounted and the path is "
            "right; nothing was loaded"
        )


class NoSpaceLeft(RuntimeError):
    """The warehouse's disk filled up while a file was loaded. Not retried: the file's
    transaction was not committed, so nothing of it was kept and the next run loads it whole."""


def _is_disk_full(exc: BaseException) -> bool:
    # DuckDB reports ENOSPC as its own exception type, with the OS message in the text.
    return getattr(exc, "errno", None) == errno.ENOSPC or (
        "no space left on device" in str(exc).lower()
    )


def _rollback(con) -> None:
    """Undo the file's transaction. A failed commit has already ended it ("no transaction is
    active"): that second error must not hide the first."""
    if con is not None:
        with contextlib.suppress(duckdb.Error):
            con.rollback()


@contextlib.contextmanager
def _one_transaction(con, what: str, warehouse: Path, kept: str = "nothing of that file was kept"):
    """Run the block in one transaction; a full disk is reported as such, naming `what`."""
    try:
        yield
    except BaseException as exc:
        _rollback(con)
        if _is_disk_full(exc):
            raise NoSpaceLeft(
                f"no space left on device while {what}: {kept} "
                f"(warehouse {warehouse}); free space on its disk and run again"
            ) from exc
        raise


_TEMP_TABLES = (
    "_raw",
    "_malformed",
    "_lines",
    "_rej",
    "_rej_scan",
    "_bad",
    "_good",
    "_checked",
    "_flagged",
)


# A quarantined participants row still withdraws consent when its id, consent (false) and
# updated_at are valid: a broken field elsewhere must not keep a withdrawn participant's data.
_QUARANTINED_WITHDRAWALS = """
    SELECT t_participant_id AS participant_id
    FROM _checked
    WHERE len(_errors) > 0 AND NOT _withdrawn AND t_data_sharing_consent = false
      AND t_participant_id IS NOT NULL AND t_updated_at IS NOT NULL
"""


def _insert_landing(con, delivery: Delivery, delivery_id: int, now: dt.datetime) -> int:
    entity = ENTITIES[delivery.entity]
    columns = [c.name for c in entity.columns] + [name for name, _ in LINEAGE_COLUMNS]
    typed = ", ".join(f"t_{c.name}" for c in entity.columns)
    return con.execute(
        f"""
        INSERT INTO landing.{entity.name} ({", ".join(columns)})
        SELECT {typed}, ?, ?, ?, _row_number, ?
        FROM _checked WHERE NOT _withdrawn AND len(_errors) = 0
        ORDER BY _row_number
        """,
        [delivery_id, delivery.source_file, delivery.export_date, now],
    ).fetchone()[0]


def _record_delivery(con, delivery: Delivery, **values) -> None:
    row = {
        "source_file": delivery.source_file,
        "entity": delivery.entity,
        "export_date": delivery.export_date,
        "file_format": delivery.file_format,
        "bytes": delivery.bytes,
        "rows_read": 0,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "rows_withdrawn": 0,
        **values,
    }
    names = ", ".join(row)
    con.execute(
        f"INSERT INTO quality.deliveries ({names}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()),
    )


def _check_nothing_vanished(con, exports_dir: Path, deliveries: list[Delivery]) -> None:
    """Raise DropFolderChanged when a file that was loaded (or recorded as empty) is gone.
    Masked names and quarantined files are left out: their going away loses no data."""
    present = {d.source_file for d in deliveries if not d.name_masked}
    recorded = con.execute(
        "SELECT DISTINCT source_file FROM quality.deliveries"
        " WHERE status IN ('loaded', 'empty') AND sha256 IS NOT NULL ORDER BY 1"
    ).fetchall()
    vanished = [name for (name,) in recorded if name not in present]
    if vanished:
        raise DropFolderChanged(exports_dir, vanished)


def _fingerprint(delivery: Delivery) -> tuple[Delivery, str | None]:
    """The delivery as recorded, and its sha256 (None: not a regular file, never opened)."""
    sha = delivery.sha256()
    if delivery.readable and sha is None:  # replaced by a pipe or device since discovery
        delivery = dataclasses.replace(
            delivery, problem="not a regular file: not read", readable=False, bytes=None
        )
    return delivery.with_fingerprint(sha), sha


def _read(con, delivery: Delivery) -> ReadResult | None:
    """Parse the file into temp tables, outside the transaction: a reader error must not abort
    it. None when there is nothing to read (a bad name or zero bytes)."""
    if delivery.problem or delivery.bytes == 0:
        return None
    return read_delivery(con, delivery, ENTITIES[delivery.entity])


def _process(
    con,
    delivery: Delivery,
    read: ReadResult | None,
    sha: str,
    redelivery: bool,
    now,
    report: IngestReport,
):
    """Load or quarantine one read file; the caller wraps this in one transaction."""
    delivery_id = con.execute(
        "SELECT coalesce(max(delivery_id), 0) + 1 FROM quality.deliveries"
    ).fetchone()[0]
    common = {"delivery_id": delivery_id, "sha256": sha, "redelivery": redelivery, "loaded_at": now}
    problems: list[FileProblem] = []
    if delivery.problem:
        problems = [FileProblem(None, delivery.problem)]
    elif delivery.bytes == 0:
        _record_delivery(con, delivery, status="empty", **common)
        report.files_empty += 1
        return delivery_id
    else:
        problems = read.problems
    if problems:
        quarantine_file(con, delivery_id, delivery.source_file, problems, now)
        _record_delivery(con, delivery, status="quarantined", **common)
        report.files_quarantined += 1
        log.warning("quarantined %s whole: %s", delivery.source_file, problems[0].reason)
        return delivery_id
    if read.rows_read == 0:
        _record_delivery(con, delivery, status="empty", **common)
        report.files_empty += 1
        return delivery_id
    entity = ENTITIES[delivery.entity]
    build_checked(con, entity, delivery.export_date)
    loaded = _insert_landing(con, delivery, delivery_id, now)
    quarantined = quarantine_rows(
        con, entity, delivery_id, delivery.source_file, delivery.export_date, now
    )
    withdrawn = con.execute("SELECT count(*) FROM _checked WHERE _withdrawn").fetchone()[0]
    _record_delivery(
        con,
        delivery,
        status="loaded",
        rows_read=read.rows_read,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
        rows_withdrawn=withdrawn,
        **common,
    )
    if entity.name == "participants":
        # Withdraw before the same night's check-ins/appointments are read, so they are dropped.
        report.participants_purged += purge_withdrawn(
            con,
            now,
            _QUARANTINED_WITHDRAWALS,
            sweep=False,
        )
    report.files_loaded += 1
    report.rows_loaded += loaded
    report.rows_quarantined += quarantined
    report.rows_withdrawn += withdrawn
    log.info(
        "loaded %s: %d rows read, %d loaded, %d quarantined, %d withdrawn",
        delivery.source_file,
        read.rows_read,
        loaded,
        quarantined,
        withdrawn,
    )
    return delivery_id


def _drop_temp(con) -> None:
    for table in (*_TEMP_TABLES, "_withdrawn_ids"):
        con.execute(f"DROP TABLE IF EXISTS temp.{table}")


def ingest_exports(exports_dir: Path, warehouse: Path, settings: Settings) -> IngestReport:
    """Load every new delivery of the drop folder into the warehouse (see docs/architecture.md).

    The caller holds the run lock. Each file commits alone (landing rows, quarantine and manifest
    row together), so a killed run leaves whole files only and the next run does the rest.
    Raises DropFolderChanged, before loading anything, when files loaded earlier have vanished.
    """
    report = IngestReport()
    now = dt.datetime.now(dt.UTC)
    deliveries = discover(Path(exports_dir))
    with connect(
        Path(warehouse),
        memory_limit=settings.duckdb_memory_limit,
        wait_seconds=settings.lock_wait_seconds,
        hint=busy_hint(settings),
    ) as con:
        con.execute("SET TimeZone = 'UTC'")  # how Parquet TIMESTAMPTZ values render as text
        con.execute("SET enable_progress_bar = false")
        ensure_schema(con)
        _check_nothing_vanished(con, exports_dir, deliveries)
        for delivery in deliveries:
            report.files_seen += 1
            delivery, sha = _fingerprint(delivery)
            # What is not a regular file has no hash: seen again, it is the same delivery.
            known = con.execute(
                "SELECT bool_or(sha256 IS NOT DISTINCT FROM ?), count(*) > 0"
                " FROM quality.deliveries WHERE source_file = ?",
                [sha, delivery.source_file],
            ).fetchone()
            if known[0]:
                report.files_skipped += 1
                continue
            redelivery = bool(known[1])
            with _one_transaction(con, f"loading {delivery.source_file}", warehouse):
                read = _read(con, delivery)  # outside the transaction, yet it may spill to disk
                con.begin()
                delivery_id = _process(con, delivery, read, sha, redelivery, now, report)
                _drop_temp(con)
                con.commit()
            report.new_delivery_ids.append(delivery_id)
            if redelivery:
                report.redeliveries.append(delivery.source_file)
        # Also clears tables built since (marts), and anything a killed run left behind.
        with _one_transaction(
            con, "removing withdrawn participants", warehouse, "no participant was removed yet"
        ):
            con.begin()
            report.participants_purged += purge_withdrawn(con, now)
            con.commit()
    with _one_transaction(
        None,
        "erasing withdrawn participants from the warehouse file",
        warehouse,
        "the file is as it was, and the next run erases them",
    ):
        report.withdrawals_erased = erase_from_disk(
            Path(warehouse),
            settings.duckdb_memory_limit,
            now,
            (settings.analytics_path, settings.parquet_dir),
        )
    return report
