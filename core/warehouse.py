"""The warehouse file: short-lived connections and the one-run-at-a-time lock.

DuckDB allows one writing process per file, and dbt-duckdb needs the file free while it builds, so
every step opens its own connection and closes it before the next step (../shared/STACK.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
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
