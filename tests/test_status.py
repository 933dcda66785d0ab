"""`aud-outcomes status` logic: the last run and the age of the last successful one, from the
summary files beside the warehouse (written here as the pipeline writes them)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from core.run_summary import RunSummary, summary_path
from core.settings import Settings
from core.warehouse import run_lock
from flows.status import status

NOW = dt.datetime(2026, 10, 16, 9, 0, tzinfo=dt.UTC)


def _write(settings: Settings, kind: str, hours_ago: float, **over) -> None:
    finished = NOW - dt.timedelta(hours=hours_ago)
    summary = RunSummary(
        run_id=f"run-{hours_ago:g}h",
        started_at=finished - dt.timedelta(minutes=2),
        as_of=finished.date(),
        finished_at=finished,
        site_dir=settings.site_dir,
    )
    record = {**dataclasses.asdict(summary), **over}
    path = summary_path(settings.warehouse_path, kind, ".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, default=str))


def test_a_recent_success_is_healthy(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    _write(settings, "last-run", 5)
    _write(settings, "last-success", 5)
    result = status(settings, NOW)
    assert result.exit_code == 0
    assert "Last run: run-5h at 2026-10-16 04:00:00+00:00 (as of 2026-10-16), succeeded." in (
        result.lines
    )
    assert any("5.0 hours ago, within the limit of 26 hours" in line for line in result.lines)


def test_a_failed_night_after_an_old_success_is_not(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, max_run_age_hours=24)
    _write(settings, "last-run", 2, error="dbt build failed: x", failed_step="dbt build")
    _write(settings, "last-success", 30)
    result = status(settings, NOW)
    assert result.exit_code == 1
    assert any("FAILED at dbt build: dbt build failed: x" in line for line in result.lines)
    assert any("30.0 hours ago, OLDER than the limit of 24 hours" in line for line in result.lines)


def test_no_run_ever_is_not_healthy(tmp_path) -> None:
    result = status(Settings(data_dir=tmp_path), NOW)
    assert result.exit_code == 1
    assert "Last successful run: none recorded; the limit is 26 hours." in result.lines


def test_a_run_in_progress_is_named_and_the_check_answers_at_once(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    _write(settings, "last-success", 1)
    with run_lock(settings.warehouse_path):
        result = status(settings, NOW)
    assert result.exit_code == 0
    assert any(line.startswith("A run is in progress (pid ") for line in result.lines)
    assert not any("in progress" in line for line in status(settings, NOW).lines)
