"""Mistakes fail fast and say what to do: a mistyped drop folder or a warehouse folder that does
not exist stops `run` and `ingest` within 2 s with one line and exit 2, before Prefect, dbt or a
warehouse file is started; a new warehouse is made only in an existing folder, and says so;
`ingest` with nothing to read exits non-zero."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.ingest.ingest_support import Drop, participant
from tests.support import run_cli

LIMIT_SECONDS = 2  # the promise for a mistyped path


def _timed(*args: str, env: dict[str, str] | None = None):
    started = time.monotonic()
    result = run_cli(*args, env=env)
    return result, time.monotonic() - started


def _one_plain_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def _args(command: str, exports: Path, warehouse: Path, site: Path) -> list[str]:
    args = [command, "--exports", str(exports), "--warehouse", str(warehouse)]
    return args + (["--site", str(site), "--as-of", "2026-10-15"] if command == "run" else [])


@pytest.mark.parametrize("command", ["run", "ingest"])
def test_a_missing_exports_folder_is_refused_at_once(tmp_path, command) -> None:
    warehouse, state = tmp_path / "warehouse.duckdb", tmp_path / "state"
    args = _args(command, tmp_path / "not-mounted", warehouse, tmp_path / "site")
    result, took = _timed(*args, env={"AUD_DATA_DIR": str(state)})
    assert result.returncode == 2, result.stdout + result.stderr
    assert took < LIMIT_SECONDS, f"{took:.2f} s"
    line = _one_plain_line(result.stderr)
    assert f"the exports folder {tmp_path / 'not-mounted'} does not exist" in line
    assert "AUD_EXPORTS" in line and "mounted" in line  # what to do
    assert result.stdout == ""
    assert not warehouse.exists() and not (tmp_path / "site").exists()
    assert not (state / "prefect").exists()  # Prefect was never configured, let alone started


@pytest.mark.parametrize("command", ["run", "ingest"])
def test_a_warehouse_in_a_missing_folder_is_refused_and_the_folder_not_made(
    tmp_path, command
) -> None:
    (exports := tmp_path / "exports").mkdir()
    folder = tmp_path / "no-such-folder"
    args = _args(command, exports, folder / "warehouse.duckdb", tmp_path / "site")
    result, took = _timed(*args, env={"AUD_DATA_DIR": str(tmp_path / "state")})
    assert result.returncode == 2, result.stdout + result.stderr
    assert took < LIMIT_SECONDS, f"{took:.2f} s"
    line = _one_plain_line(result.stderr)
    assert f"the warehouse folder {folder} does not exist" in line
    assert "AUD_WAREHOUSE" in line and "only in an existing folder" in line
    assert not folder.exists()  # no new, empty history started somewhere unexpected


def test_a_file_that_is_not_a_duckdb_warehouse_is_refused(tmp_path) -> None:
    (exports := tmp_path / "exports").mkdir()
    warehouse = tmp_path / "notes.txt"
    warehouse.write_text("not a warehouse\n")
    result, took = _timed("ingest", "--exports", str(exports), "--warehouse", str(warehouse))
    assert result.returncode == 2, result.stdout + result.stderr
    assert took < LIMIT_SECONDS, f"{took:.2f} s"
    assert f"{warehouse} is not a DuckDB database file" in _one_plain_line(result.stderr)
    assert warehouse.read_text() == "not a warehouse\n"


def test_an_invalid_setting_is_one_line_naming_the_variable(tmp_path) -> None:
    result, took = _timed(
        "run", env={"AUD_MIN_CELL_SIZE": "0", "AUD_DATA_DIR": str(tmp_path / "state")}
    )
    assert result.returncode == 2
    assert took < LIMIT_SECONDS, f"{took:.2f} s"
    line = _one_plain_line(result.stderr)
    assert line.startswith("aud-outcomes: invalid setting: AUD_MIN_CELL_SIZE ('0'):"), line
    assert "greater than or equal to 1" in line


def test_a_refused_run_alerts_and_status_shows_it(tmp_path, webhook) -> None:
    """A cron run whose share is not mounted: the one line, and the people are told."""
    warehouse = tmp_path / "warehouse.duckdb"
    env = {"AUD_DATA_DIR": str(tmp_path / "state"), "AUD_ALERT_WEBHOOK_URL": webhook.url}
    args = _args("run", tmp_path / "not-mounted", warehouse, tmp_path / "site")
    result, took = _timed(*args, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert took < LIMIT_SECONDS, f"{took:.2f} s"
    _one_plain_line(result.stderr)
    [post] = webhook.posts
    assert post["status"] == "failed" and post["failed_step"] == "preflight"
    assert "does not exist" in post["text"]
    assert not warehouse.exists()
    status = run_cli("status", "--warehouse", str(warehouse))
    assert status.returncode == 1
    assert "FAILED at preflight: the exports folder" in status.stdout


def test_a_new_warehouse_is_made_in_an_existing_folder_and_said(tmp_path) -> None:
    drop = Drop(tmp_path)
    drop.write("app/participants_20261107.csv", [participant()])
    args = ("ingest", "--exports", str(drop.exports), "--warehouse", str(drop.warehouse))
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert f"into {drop.warehouse} (new warehouse):" in first.stdout
    assert drop.warehouse.is_file()
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert "new warehouse" not in again.stdout


def test_ingest_with_nothing_to_read_exits_non_zero(tmp_path) -> None:
    (exports := tmp_path / "exports").mkdir()
    (exports / "app").mkdir()
    warehouse = tmp_path / "warehouse.duckdb"
    empty = run_cli("ingest", "--exports", str(exports), "--warehouse", str(warehouse))
    assert empty.returncode == 1, empty.stdout + empty.stderr
    assert f"nothing to read: the exports folder {exports} holds no files" in empty.stderr
    assert not warehouse.exists()

    # Files, none of them readable: quarantined whole, and the exit says so.
    (exports / "app" / "checkins_20261003.parquet").write_bytes(b"PAR1 this is not parquet")
    broken = run_cli("ingest", "--exports", str(exports), "--warehouse", str(warehouse))
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "nothing could be read: all 1 new file(s) were quarantined whole" in broken.stderr
