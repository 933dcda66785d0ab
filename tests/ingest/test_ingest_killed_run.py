"""A run killed with SIGKILL half-way leaves whole files only; a clean re-run then ends in exactly
the state of an uninterrupted run. Plus the throughput measurement on a large check-ins file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.ingest.ingest_support import Drop, participant

pytestmark = pytest.mark.slow

NIGHTS = 12
PARTICIPANTS = 300
CHECKINS_PER_NIGHT = 40_000


def _make_exports(drop: Drop) -> int:
    """NIGHTS nights of participants (one withdrawal), check-ins (a few bad rows), appointments."""
    con = duckdb.connect()
    files = 0
    for night in range(NIGHTS):
        day = f"202611{night + 1:02d}"
        date = f"2026-11-{night + 1:02d}"
        rows = [
            participant(
                f"p_{i:016x}",
                enrolled_on="2026-10-01",
                data_sharing_consent="false" if (i == 7 and night == 5) else "true",
                updated_at=f"{date}T12:00:00Z",
            )
            for i in range(night * 20, night * 20 + 40)
        ]
        ext = ("csv", "jsonl", "parquet")[night % 3]
        drop.write(f"app/participants_{day}.{ext}", rows)
        out = drop.path(f"app/checkins_{day}.csv")
        con.execute(
            f"""
            COPY (
              SELECT 'c_{night}_' || i AS checkin_id,
                     'p_' || lpad(printf('%x', i % {night * 20 + 40}), 16, '0') AS participant_id,
                     CASE WHEN i % 997 = 0 THEN 'not a date' ELSE '{date}' END AS report_date,
                     '{date}T08:00:00-05:00' AS submitted_at,
                     CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 9)::VARCHAR END AS standard_drinks,
                     (i % 11)::VARCHAR AS craving_score,
                     CASE WHEN i % 2 = 0 THEN 'true' ELSE 'false' END AS took_medication
              FROM range({CHECKINS_PER_NIGHT}) t(i)
            ) TO '{out}' (HEADER)
            """
        )
        appointments = [
            json.dumps(
                {
                    "appointment_id": f"a_{night}_{i}",
                    "participant_id": f"p_{i:016x}",
                    "appointment_type": "therapy",
                    "scheduled_start": f"{date}T14:00:00Z",
                    "duration_minutes": 50,
                    "status": "fulfilled",
                    "cancelled_by": None,
                    "modality": "video",
                    "updated_at": f"{date}T15:00:00Z",
                }
            )
            for i in range(0, 40)
        ]
        drop.raw(f"scheduling/appointments_{day}.jsonl", ("\n".join(appointments) + "\n").encode())
        files += 3
    return files


_CHILD = """
import logging, sys
from pathlib import Path
from flows.ingest import ingest_exports
from core.settings import Settings
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
ingest_exports(Path(sys.argv[1]), Path(sys.argv[2]), Settings())
"""


def test_a_killed_run_then_a_clean_run_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    reference = Drop(tmp_path / "reference")
    files = _make_exports(reference)
    reference.ingest()
    assert reference.query("SELECT count(*) FROM quality.deliveries") == [(files,)]

    killed = Drop(tmp_path / "killed")
    killed.root.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(reference.exports), str(killed.warehouse)],
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    loaded = 0
    for line in proc.stderr:
        if line.startswith("loaded "):
            loaded += 1
        if loaded == files // 2:
            time.sleep(0.05)  # into the next file's transaction
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    partial = killed.query("SELECT count(*) FROM quality.deliveries")[0][0]
    assert files // 2 <= partial < files
    # Whole files only: every recorded delivery has all its landing rows, none has more.
    for table in ("participants", "checkins", "appointments"):
        orphans = killed.query(
            f"SELECT count(*) FROM landing.{table} WHERE _delivery_id NOT IN "
            "(SELECT delivery_id FROM quality.deliveries)"
        )
        assert orphans == [(0,)]

    report = _ingest_into(reference.exports, killed.warehouse)
    assert report.files_skipped == partial
    assert killed.dump() == reference.dump()


def _ingest_into(exports: Path, warehouse: Path):
    from core.settings import Settings
    from flows.ingest import ingest_exports

    return ingest_exports(exports, warehouse, Settings())


def test_throughput_of_a_large_checkins_file(tmp_path: Path, capsys) -> None:
    drop = Drop(tmp_path)
    drop.write("app/participants_20261107.csv", [participant(f"p_{i:016x}") for i in range(1000)])
    rows = 2_000_000
    out = drop.path("app/checkins_20261107.csv")
    with duckdb.connect() as con:
        con.execute(
            f"""
            COPY (
              SELECT 'c_' || i AS checkin_id, 'p_' || lpad(printf('%x', i % 1000), 16, '0')
                       AS participant_id,
                     DATE '2026-11-06' - (i % 300)::INT AS report_date,
                     '2026-11-07T08:00:00.123-05:00' AS submitted_at,
                     CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 12)::VARCHAR END AS standard_drinks,
                     (i % 11)::VARCHAR AS craving_score,
                     CASE WHEN i % 2 = 0 THEN 'true' ELSE 'false' END AS took_medication
              FROM range({rows}) t(i)
            ) TO '{out}' (HEADER)
            """
        )
    started = time.perf_counter()
    report = drop.ingest()
    seconds = time.perf_counter() - started
    assert report.rows_loaded == rows + 1000
    # Row numbers follow the file even though DuckDB reads it in parallel.
    assert drop.query(
        "SELECT count(*) FROM landing.checkins WHERE checkin_id <> 'c_' || (_row_number - 1)"
    ) == [(0,)]
    with capsys.disabled():
        size = out.stat().st_size / 1e6
        print(
            f"\ningest of {rows:,} check-in rows ({size:.0f} MB CSV): {seconds:.1f} s, "
            f"{rows / seconds:,.0f} rows/s"
        )
