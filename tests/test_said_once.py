"""Each failure is said once: the failed checks in the banner and the run summary are not
repeated by the run's error ("critical validation failed: <the same checks>"), and a dbt failure
or a stop is one line, not two."""

from __future__ import annotations

import datetime as dt

from core.run_summary import VALIDATION_FAILED, RunSummary, ValidationResult, markdown
from dashboards.publish import failure_items

STALE = "the newest check-in is 8 day(s) old; the limit is 3"
SHARE = "6 of 7 check-in rows read tonight were quarantined (86%); the limit is 50%"


def _run(**values) -> RunSummary:
    return RunSummary(
        run_id="r1", started_at=dt.datetime(2026, 10, 15, 3, tzinfo=dt.UTC),
        as_of=dt.date(2026, 10, 15), **values,
    )  # fmt: skip


def _failed_validation() -> RunSummary:
    checks = [STALE, SHARE]
    return _run(
        dbt_ok=True,
        validation=ValidationResult(run_id="r1", success=False, critical_failures=checks),
        failed_step="validation",
        error=VALIDATION_FAILED + "; ".join(checks),
    )


def test_failed_checks_are_listed_once_in_the_banner_and_the_summary() -> None:
    run = _failed_validation()
    items = failure_items(run)
    assert items == [f"Failed check: {STALE}", f"Failed check: {SHARE}"]
    text = markdown(run, "duckdb")
    assert text.count(STALE) == 1 and text.count(SHARE) == 1
    assert "- Error:" not in text


def test_an_error_beyond_the_checks_is_still_said() -> None:
    run = _failed_validation()
    run.error = "stopped by SIGTERM during validation"  # not what the checks say
    assert failure_items(run)[-1] == "Error: stopped by SIGTERM during validation"
    assert "- Error: stopped by SIGTERM during validation" in markdown(run)


def test_a_dbt_failure_or_a_stop_during_dbt_is_one_line() -> None:
    failed = _run(dbt_ok=False, failed_step="dbt build", error="dbt build failed: model x")
    assert failure_items(failed) == ["Error: dbt build failed: model x"]
    stopped = _run(
        dbt_ok=False, failed_step="dbt build", error="stopped by SIGTERM during dbt build"
    )
    assert failure_items(stopped) == ["Error: stopped by SIGTERM during dbt build"]
    assert failure_items(_run(dbt_ok=False)) == ["The dbt build failed."]
