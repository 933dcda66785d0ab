"""Consent withdrawal through the whole nightly run: after the run that purges a participant, no
byte of them is left in the warehouse file or its WAL, the dbt artifacts, the validation
reports, or the published site (every release kept), as EXPORTS.md requires."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from tests.support import run_cli

pytestmark = pytest.mark.slow

AS_OF = dt.date(2026, 10, 15)


def _files_holding(base: Path, needle: str, skip: Path) -> dict[str, int]:
    found = {}
    for path in sorted(p for p in base.rglob("*") if p.is_file() and skip not in p.parents):
        count = path.read_bytes().count(needle.encode())
        if count:
            found[str(path.relative_to(base))] = count
    return found


def _run(base: Path, as_of: dt.date):
    # A new warehouse is made only in a folder that exists (the CLI's preflight).
    (base / "warehouse").mkdir(parents=True, exist_ok=True)
    return run_cli(
        "run",
        "--exports",
        str(base / "exports"),
        "--warehouse",
        str(base / "warehouse" / "warehouse.duckdb"),
        "--site",
        str(base / "site"),
        "--as-of",
        as_of.isoformat(),
        env={"AUD_DATA_DIR": str(base / "state")},
    )


def test_after_the_purging_run_no_byte_of_the_participant_is_left(tmp_path, prefect_api):
    base, exports = tmp_path, tmp_path / "exports"
    gen = run_cli(
        "generate", "--out", str(exports), "--participants", "80", "--seed", "3",
        "--as-of", AS_OF.isoformat(),
    )  # fmt: skip
    assert gen.returncode == 0, gen.stderr
    first = _run(base, AS_OF)
    assert first.returncode == 0, first.stdout + first.stderr

    warehouse = base / "warehouse" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute(
            """
            SELECT p.* EXCLUDE (_delivery_id, _source_file, _export_date, _row_number, _loaded_at)
            FROM landing.participants AS p
            JOIN (SELECT participant_id, count(*) AS n FROM landing.checkins GROUP BY 1) USING
              (participant_id)
            WHERE p.data_sharing_consent
            ORDER BY n DESC, p.updated_at DESC LIMIT 1
            """
        ).df()
        withdrawn_before = con.execute(
            "SELECT count(*) FROM quality.withdrawn_participants"
        ).fetchone()[0]
    pid = row.participant_id[0]
    # The scan finds the participant while their data is there.
    assert _files_holding(base, pid, skip=exports)

    withdrawal_day = AS_OF + dt.timedelta(days=1)
    row["data_sharing_consent"] = False
    row["updated_at"] = f"{withdrawal_day.isoformat()}T09:00:00Z"
    path = exports / "app" / f"participants_{withdrawal_day:%Y%m%d}.csv"
    row.to_csv(path, index=False, quoting=csv.QUOTE_NONNUMERIC, date_format="%Y-%m-%d")
    second = _run(base, withdrawal_day)
    assert second.returncode == 0, second.stdout + second.stderr

    with duckdb.connect(str(warehouse), read_only=True) as con:
        withdrawn = con.execute("SELECT count(*) FROM quality.withdrawn_participants").fetchone()
        assert withdrawn == (withdrawn_before + 1,)
        assert con.execute(
            "SELECT count(*) FROM marts.participants WHERE participant_id = ?", [pid]
        ).fetchone() == (0,)
    # Warehouse file and WAL, dbt's target and logs, validation reports, every site release.
    assert _files_holding(base, pid, skip=exports) == {}
    assert _files_holding(base, pid.removeprefix("p_"), skip=exports) == {}
