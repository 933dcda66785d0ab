"""The warehouse file: short-lived connections and the one-run-at-a-time lock.

DuckDB allows one writing process per file, and dbt-duckdb needs the file free while it builds, so
every step opens its own connection and closes it before the next step (../shared/STACK.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)
# DuckDB's text when another process holds the file: "... Conflicting lock is held in <program>
# (PID <n>) ..." (a reader holds a shared lock; a writer needs it alone).
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class WarehouseBusyError(RuntimeError):
    """Another run holds the warehouse."""


# The Settings default (core/settings.py); callers with settings pass theirs.
DEFAULT_MEMORY_LIMIT = "3GB"


def holder(error: BaseException) -> str | None:
    """'pid N (program)' of the process DuckDB says holds the file, or None for other errors."""
    match = _HOLDER.search(str(error))
    if not match:
        return None
    program = os.path.basename(match["program"])
    with contextlib.suppress(OSError):  # the command name tells a notebook from another run
        program = Path(f"/proc/{match['pid']}/comm").read_text().strip() or program
    return f"pid {match['pid']} ({program})"


def _open(path: Path, read_only: bool, memory_limit: str, wait_seconds: float, hint: str):
    """duckdb.connect, waiting up to wait_seconds while another process holds the file."""
    deadline = time.monotonic() + wait_seconds
    said = None
    while True:
        try:
            return duckdb.connect(
                str(path), read_only=read_only, config={"memory_limit": memory_limit}
            )
        except duckdb.IOException as exc:
            who = holder(exc)
            if who is None:
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusyError(
                    f"the warehouse {path} is held by {who}, an open connection to it, and was "
                    f"still held after {wait_seconds:g} s (AUD_LOCK_WAIT_SECONDS); close that "
                    f"connection{hint}"
                ) from None
            if who != said:
                log.warning(
                    "The warehouse %s is held by %s; waiting up to %g s for it.",
                    path,
                    who,
                    wait_seconds,
                )
                said = who
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


@contextlib.contextmanager
def connect(
    path: Path,
    read_only: bool = False,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    wait_seconds: float = 0,
    hint: str = "",
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the DuckDB file; while another process holds it, wait up to
    wait_seconds, then raise WarehouseBusyError naming the holder (`hint` ends its advice)."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only, memory_limit, wait_seconds, hint)
    try:
        yield con
    finally:
        con.close()


def open_warehouse(settings, read_only: bool = False):
    """connect() to the run's warehouse with the run's memory limit and lock wait (settings:
    core.Settings); a busy warehouse points analysts at their copy."""
    return connect(
        settings.warehouse_path,
        read_only,
        settings.duckdb_memory_limit,
        settings.lock_wait_seconds,
        busy_hint(settings),
    )


def busy_hint(settings) -> str:
    return f"; analysts read the analytics copy {settings.analytics_path} instead"


def wait_until_free(settings) -> None:
    """Return once this process can open the warehouse for writing (see connect); for a writer
    that opens the file itself (dbt-duckdb)."""
    if settings.warehouse_path.exists():
        with open_warehouse(settings):
            pass


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def rewrite_file(
    path: Path,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    finish: Callable[[duckdb.DuckDBPyConnection, str], None] | None = None,
) -> None:
    """Copy the whole database into a new file and put it in place of the old one.

    DuckDB keeps the blocks of deleted rows, and of replaced tables, in the file as they were
    (a checkpoint only marks them free), so deleting is not erasing: only a rewrite leaves
    none of their bytes. `finish(con, alias)` may change the copy before it is put in place.
    The caller holds the run lock; a failure or a kill leaves the old file as it was.
    """
    new = path.with_name(path.name + ".rewrite")
    for leftover in (new, wal_path(new)):
        leftover.unlink(missing_ok=True)
    try:
        with connect(path, memory_limit=memory_limit) as con:
            con.execute("CHECKPOINT")
            catalog, tags = con.execute(
                "SELECT database_name, tags FROM duckdb_databases() WHERE database_name = "
                "current_database()"
            ).fetchone()
            # The copy keeps the storage version, so clients that read the file still can.
            version = str((tags or {}).get("storage_version", "")).rstrip("+")
            option = f" (STORAGE_VERSION '{version}')" if version else ""
            con.execute(f"ATTACH '{new}' AS aud_rewrite{option}")
            con.execute(f'COPY FROM DATABASE "{catalog}" TO aud_rewrite')
            if finish:
                finish(con, "aud_rewrite")
            con.execute("DETACH aud_rewrite")
        for leftover in (wal_path(path), wal_path(new)):
            if leftover.exists():  # a WAL beside the wrong file would corrupt it
                raise RuntimeError(f"{leftover.name} was left after a checkpoint; not replacing")
        with open(new, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(new, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        new.unlink(missing_ok=True)


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


@contextlib.contextmanager
def run_lock(warehouse: Path) -> Iterator[None]:
    """Hold an exclusive lock for a whole run; a second run fails at once instead of waiting.

    The kernel releases flock when the process dies: a killed run never leaves a stale lock.
    """
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise WarehouseBusyError(
                f"another run (pid {holder}) is using the warehouse {path.name[:-5]}; "
                "try again when it has finished"
            ) from None
        # The pid only names the holder to a refused run: a full disk must not stop the run here.
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
