"""The `aud-outcomes` command as people and the schedule use it: help, settings from the
environment, and `ingest` on a drop folder mixing good and bad deliveries."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from core.warehouse import run_lock
from tests.support import run_cli

SUBCOMMANDS = ("generate", "ingest", "run", "demo", "serve")


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_explains_itself(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert "usage: aud-outcomes " + command in result.stdout
    assert "AUD_" in result.stdout  # says how to set options from the environment


def test_bad_option_value_is_a_clear_error():
    result = run_cli("run", "--as-of", "yesterday")
    assert result.returncode == 2
    assert "not a date" in result.stderr


def test_options_come_from_aud_environment_variables(tmp_path):
    out = tmp_path / "exports"
    result = run_cli(
        "generate",
        env={
            "AUD_EXPORTS": str(out),
            "AUD_PARTICIPANTS": "25",
            "AUD_AS_OF": "2026-09-30",
            "AUD_NIGHTS": "2",
        },
    )
    assert result.returncode == 0, result.stderr
    assert "25 participants" in result.stdout
    assert sorted(p.name for p in (out / "app").glob("participants_*")) == [
        "participants_20260928.csv",
        "participants_20260929.jsonl",
        "participants_20260930.parquet",
    ]


def test_ingest_loads_good_rows_once_and_quarantines_bad_ones(tmp_path):
    exports, warehouse = tmp_path / "exports", tmp_path / "warehouse.duckdb"
    as_of = dt.date(2026, 10, 1)
    gen = run_cli(
        "generate",
        "--out",
        str(exports),
        "--participants",
        "60",
        "--seed",
        "2",
        "--as-of",
        as_of.isoformat(),
        "--nights",
        "2",
    )
    assert gen.returncode == 0, gen.stderr
    app = exports / "app"
    good = sorted(app.glob("checkins_*.csv")) + sorted(app.glob("checkins_*.jsonl"))
    # Bad deliveries beside the good ones, dated after the generated nights.
    with good[0].open() as f:
        header = f.readline()
        first_row = f.readline()
    (app / "checkins_20261002.csv").write_text(
        header
        + first_row.replace(first_row.split(",")[0], '"c_extra_bad_1"', 1).replace(
            '"2026-', '"not-a-date-', 1
        )
    )
    (app / "participants_20261002.csv").write_text(
        "participant_id,email\np_0123456789abcdef,someone@example.org\n"
    )
    (app / "checkins_20261003.parquet").write_bytes(b"PAR1 this is not parquet")

    first = run_cli("ingest", "--exports", str(exports), "--warehouse", str(warehouse))
    assert first.returncode == 0, first.stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        quarantine = con.execute(
            "select source_file, row_number, column_name, reason from quality.quarantine "
            "order by source_file"
        ).fetchall()
        dumped = con.execute("select count(*) from landing.checkins").fetchone()[0]
        stored_email = con.execute(
            "select count(*) from quality.quarantine where cast(record as varchar) like '%@%'"
        ).fetchone()[0]
    files = {q[0] for q in quarantine}
    assert files == {
        "app/checkins_20261002.csv",
        "app/participants_20261002.csv",
        "app/checkins_20261003.parquet",
    }
    whole_file = [
        (q[2] or "") + " " + q[3]
        for q in quarantine
        if q[0] == "app/participants_20261002.csv" and q[1] is None
    ]
    assert any("email" in reason for reason in whole_file), whole_file
    assert stored_email == 0
    assert dumped > 0

    again = run_cli("ingest", "--exports", str(exports), "--warehouse", str(warehouse))
    assert again.returncode == 0
    assert "Ingested 0 new file(s)" in again.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from landing.checkins").fetchone()[0] == dumped


def test_ingest_refuses_to_run_beside_another_run(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    (tmp_path / "exports").mkdir()
    with run_lock(warehouse):
        result = run_cli(
            "ingest", "--exports", str(tmp_path / "exports"), "--warehouse", str(warehouse)
        )
    assert result.returncode == 3
    assert "another run" in result.stderr
