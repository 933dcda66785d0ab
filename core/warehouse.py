"""The warehouse file: short-lived connections and the one-run-at-a-time lock.

DuckDB allows one writing process per file, and dbt-duckdb needs the file free while it builds, so
every step opens its own connection and closes it before the next step (../shared/STACK.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb


class WarehouseBusyError(RuntimeError):
    """Another run holds the warehouse."""


# The Settings default (core/settings.py); callers with settings pass theirs.
DEFAULT_MEMORY_LIMIT = "3GB"


@contextlib.contextmanager
def connect(
    path: Path, read_only: bool = False, memory_limit: str = DEFAULT_MEMORY_LIMIT
) -> Iterator[duckdb.DuckDBPyConnection]:
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only, config={"memory_limit": memory_limit})
    try:
        yield con
    finally:
        con.close()


def open_warehouse(settings, read_only: bool = False):
    """connect() to the run's warehouse with the run's memory limit (settings: core.Settings)."""
    return connect(settings.warehouse_path, read_only, settings.duckdb_memory_limit)


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
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
