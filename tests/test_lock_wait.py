"""A reader holding the main warehouse (an analyst's notebook) makes a command wait, saying who
holds it, then exit 3 naming the holder and pointing at the analysts' copy; a reader that lets go
in time costs only the wait."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.ingest.ingest_support import Drop, checkin, participant
from tests.support import run_cli

pytestmark = pytest.mark.slow


def _reader(warehouse: Path, hold_seconds: float) -> subprocess.Popen:
    code = (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print('open', flush=True); time.sleep(float(sys.argv[2])); con.close()"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", code, str(warehouse), str(hold_seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "open"
    return reader


def _drop(tmp_path: Path) -> Drop:
    drop = Drop(tmp_path)
    drop.write("app/participants_20261107.csv", [participant()])
    drop.write("app/checkins_20261107.csv", [checkin()])
    duckdb.connect(str(drop.warehouse)).close()
    return drop


def _ingest(drop: Drop, wait: float):
    return run_cli(
        "ingest", "--exports", str(drop.exports), "--warehouse", str(drop.warehouse),
        env={"AUD_LOCK_WAIT_SECONDS": str(wait), "AUD_DATA_DIR": str(drop.root)},
    )  # fmt: skip


def test_a_held_warehouse_makes_ingest_wait_then_exit_3_naming_the_holder(tmp_path) -> None:
    drop = _drop(tmp_path)
    reader = _reader(drop.warehouse, 60)
    try:
        started = time.monotonic()
        done = _ingest(drop, wait=3)
        took = time.monotonic() - started
    finally:
        reader.kill()
    assert done.returncode == 3, done.stdout + done.stderr
    assert 3 <= took < 20
    # The wait is said as it starts; the end is one plain line, no traceback.
    waiting, line = done.stderr.strip().splitlines()
    assert f"is held by pid {reader.pid} (python" in waiting and "waiting up to 3 s" in waiting
    assert f"is held by pid {reader.pid} (python" in line
    assert "after 3 s (AUD_LOCK_WAIT_SECONDS)" in line
    assert "warehouse.analytics.duckdb" in line
    reader_gone = duckdb.connect(str(drop.warehouse), read_only=True)
    assert reader_gone.execute("select count(*) from information_schema.tables").fetchone()[0] == 0
    reader_gone.close()  # nothing was created or loaded while it waited


def test_a_reader_that_lets_go_in_time_costs_only_the_wait(tmp_path) -> None:
    drop = _drop(tmp_path)
    reader = _reader(drop.warehouse, 3)
    done = _ingest(drop, wait=60)
    reader.wait(timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Ingested 2 new file(s)" in done.stdout
