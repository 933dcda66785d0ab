"""The gate over a SQL-built warehouse: clean, stale, warning-only and broken nights."""

from __future__ import annotations

import datetime as dt

import pytest

from core.warehouse import connect
from engines.duckdb_engine import DuckDBEngine
from expectations.gate import validate
from expectations.suites import SUITE_NAMES
from tests.validation.conftest import AS_OF, settings_for
from tests.validation.fake_warehouse import TONIGHT

FRESHNESS = "checkin_freshness: newest check-in report date within freshness_days of the as-of date"
SCHEDULED = (
    "marts_reconciliation: marts' scheduled appointments equal dbt's appointments up to the "
    "as-of date (scheduled_total_difference)"
)
MISSING = (
    "marts_reconciliation: every participant dbt enrolled up to the as-of date is in the marts "
    "(participants_missing_from_marts)"
)
# What the run's lists, banner and alerts say: the measured figure and the limit, in words.
SCHEDULED_SAYS = "the marts' scheduled appointments and dbt's differ by "
ATTENDED_SAYS = "the marts' attended appointments and dbt's differ by "
MISSING_SAYS = "1 participant(s) enrolled by dbt are missing from the marts; the limit is 0"
NOT_ENROLLED_SAYS = "1 participant(s) in the marts are not enrolled by dbt; the limit is 0"


def run(settings, ids, run_id):
    return validate(settings, DuckDBEngine(settings), ids, run_id)


def keep_staging_checkins(con, condition: str) -> None:
    """Replace the staging check-ins view by a table of its rows that meet condition."""
    con.execute(
        f"create table staging.kept as select * from staging.stg_app__checkins where {condition}"
    )
    con.execute("drop view staging.stg_app__checkins")
    con.execute("alter table staging.kept rename to stg_app__checkins")


def history(settings):
    with connect(settings.warehouse_path, read_only=True) as con:
        return con.execute(
            "select run_id, suite, expectation, severity, success, observed_value, as_of_date "
            "from quality.validation_runs order by run_id, suite, expectation"
        ).fetchall()


def test_clean_night_passes_and_publishes_docs(fake_settings):
    result = run(fake_settings, TONIGHT, "clean-1")

    assert result.success, result.critical_failures
    assert result.critical_failures == []
    assert result.warnings == []
    assert result.evaluated > 30
    docs = result.docs_dir
    assert docs is not None and docs.is_relative_to(fake_settings.data_dir.resolve())
    assert (docs / "index.html").is_file()
    assert "Validation passed" in (docs / "index.html").read_text()
    gx_pages = list((docs / "validations").rglob("*.html"))
    assert len(gx_pages) == len(SUITE_NAMES)  # one GX Data Docs page per suite
    quarantine = (docs / "quarantine.html").read_text()
    assert "app/checkins_tonight.csv" in quarantine and "out of range 0..60" in quarantine
    rows = history(fake_settings)
    assert len(rows) == result.evaluated
    assert {r[1] for r in rows} == set(SUITE_NAMES)
    assert {r[3] for r in rows} == {"critical", "warning"}
    assert all(r[4] for r in rows)
    assert {r[6] for r in rows} == {AS_OF}
    observed = {(r[1], r[2]): r[5] for r in rows}
    # Cross-checks observe the difference itself; on a consistent warehouse it is 0.
    assert observed[tuple(SCHEDULED.split(": ", 1))] == "0.0"
    assert observed[tuple(MISSING.split(": ", 1))] == "0.0"


def test_stale_night_fails_freshness(fake_settings, tmp_path):
    stale = settings_for(tmp_path, AS_OF + dt.timedelta(days=30))

    result = run(stale, TONIGHT, "stale-1")

    assert not result.success
    assert "the newest check-in is 31 day(s) old (2026-11-19); the limit is 3" in (
        result.critical_failures
    )
    # Tonight's files are 30 days older than this as-of date too: the deliveries are missing.
    assert (
        "the newest checkins delivery is 30 day(s) old (export date 2026-11-20); the limit is 3"
    ) in result.critical_failures
    index = (result.docs_dir / "index.html").read_text()
    assert "Validation FAILED" in index and "freshness_days" in index
    observed = {r[2]: r[5] for r in history(stale) if r[1] == "checkin_freshness"}
    # Tonight's newest report is the day before the (real) as-of date: 31 days stale.
    assert observed[FRESHNESS.split(": ", 1)[1] + " (days_since_newest_report)"] == "31.0"


def test_freshness_reads_dbt_staging_not_landing(fake_settings):
    """Landing holds yesterday's check-ins, but staging (what the marts are built from) is a week
    old: the figures are stale, so freshness fails."""
    with connect(fake_settings.warehouse_path) as con:
        keep_staging_checkins(con, f"report_date <= date '{AS_OF - dt.timedelta(days=7)}'")

    result = run(fake_settings, TONIGHT, "stale-staging-1")

    assert result.critical_failures == [
        "the newest check-in is 7 day(s) old (2026-11-13); the limit is 3"
    ]


def test_no_checkin_up_to_the_as_of_date_fails_freshness(fake_settings):
    with connect(fake_settings.warehouse_path) as con:
        keep_staging_checkins(con, "false")

    result = run(fake_settings, TONIGHT, "no-checkins-1")

    assert "no check-in is reported up to the as-of date" in result.critical_failures


def test_warning_only_failure_still_succeeds(fake_settings):
    with connect(fake_settings.warehouse_path) as con:  # tonight, most drink answers skipped
        con.execute(
            "update landing.checkins set standard_drinks = null "
            "where _delivery_id = 5 and _row_number % 10 < 7"
        )

    result = run(fake_settings, TONIGHT, "warn-1")

    assert result.success
    assert result.critical_failures == []
    assert result.warnings == [
        "80% of tonight's check-ins skipped the drinks question; the limit is 50%"
    ]
    assert "warning(s)" in (result.docs_dir / "index.html").read_text()
    failed = [r for r in history(fake_settings) if not r[4]]
    assert [(r[1], r[3]) for r in failed] == [("new_checkins_delivery", "warning")]


def test_history_grows_by_one_run_each_time(fake_settings):
    def runs():
        return len({r[0] for r in history(fake_settings)})

    run(fake_settings, TONIGHT, "h-1")
    assert runs() == 1
    first = len(history(fake_settings))
    run(fake_settings, [], "h-2")  # a night without new files still validates the marts
    assert runs() == 2
    run(fake_settings, [], "h-2")  # a retried run replaces its own rows
    assert runs() == 2
    assert len(history(fake_settings)) == 2 * first


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (
            "update marts.appointment_attendance_monthly set scheduled = scheduled + 1 "
            "where month = (select min(month) from marts.appointment_attendance_monthly)",
            SCHEDULED_SAYS + "+1; the limit is 0",
        ),
        (
            "update marts.appointment_attendance_monthly set attended = attended - 1 "
            "where month = (select max(month) from marts.appointment_attendance_monthly) "
            "and attended > 0",
            ATTENDED_SAYS + "-1; the limit is 0",
        ),
        (
            "delete from marts.participants where participant_id = 'p_0000000000000007'",
            MISSING_SAYS,
        ),
        (
            "insert into marts.participants select * replace ("
            "'p_00000000000fffff' as participant_id) from marts.participants "
            "where participant_id = 'p_0000000000000007'",
            NOT_ENROLLED_SAYS,
        ),
        (
            # dbt's latest version enrols the participant after the as-of date now; the unrebuilt
            # marts still count them.
            "insert into landing.participants by name select * replace ("
            "enrolled_on + 400 as enrolled_on, updated_at + interval 1 hour as updated_at) "
            "from landing.participants where participant_id = 'p_0000000000000007'",
            NOT_ENROLLED_SAYS,
        ),
        (
            "update landing.checkins set craving_score = 99 where _delivery_id = 2",
            None,  # an old delivery (2 is history): the gate does not re-check it every night
        ),
        (
            "update landing.checkins set craving_score = 99 where _delivery_id = 5 "
            "and _row_number = 3",
            "1 of tonight's 500 checkins rows have a craving_score outside 0 to 10; the limit is 0",
        ),
        (
            "update landing.participants set sex_at_birth = 'x' where _delivery_id = 4",
            "5 of tonight's 5 participants rows have a sex_at_birth outside the contract's "
            "values; the limit is 0",
        ),
        (
            "update landing.checkins set participant_id = 'P_0000000000000007' "
            "where _delivery_id = 5 and _row_number = 3",
            "1 of tonight's 500 checkins rows have a participant_id not of the contract's shape; "
            "the limit is 0",
        ),
        (
            "update landing.checkins set checkin_id = null where _delivery_id = 5 "
            "and _row_number = 4",
            "1 of tonight's 500 checkins rows have no checkin_id; the limit is 0",
        ),
        (
            "update landing.checkins set report_date = _export_date + 1 where _delivery_id = 5 "
            "and _row_number = 2",
            "1 of tonight's 500 checkins rows report a day after their export date; the limit is 0",
        ),
        (
            "update landing.participants set discharged_on = enrolled_on - 1 "
            "where _delivery_id = 4",
            "5 of tonight's 5 participants rows are discharged before their enrolment; the limit "
            "is 0",
        ),
        (
            # dbt built staging before the column went missing (a view over it would not bind).
            "create table staging.kept as select * from staging.stg_app__checkins; "
            "drop view staging.stg_app__checkins; "
            "alter table staging.kept rename to stg_app__checkins; "
            "alter table landing.checkins drop column craving_score",
            "tonight's checkins lack the contract column(s) craving_score",
        ),
        (
            # A newer version of a past appointment marks it entered-in-error: dbt drops it, the
            # (unrebuilt) mart still counts it, so the totals no longer reconcile.
            "insert into landing.appointments by name select * replace ("
            "'entered-in-error' as status, updated_at + interval 1 hour as updated_at, "
            "6 as _delivery_id) from landing.appointments "
            "where appointment_id = 'p_0000000000000007-a1'",
            SCHEDULED_SAYS + "+1; the limit is 0",
        ),
        (
            # An older version: dbt keeps the latest, so the gate (reading dbt's relations) agrees.
            "insert into landing.appointments by name select * replace ("
            "'entered-in-error' as status, updated_at - interval 1 hour as updated_at, "
            "6 as _delivery_id) from landing.appointments "
            "where appointment_id = 'p_0000000000000007-a1'",
            None,
        ),
    ],
)
def test_broken_data_fails_the_named_critical_check(fake_settings, breakage, expected):
    with connect(fake_settings.warehouse_path) as con:
        con.execute(breakage)

    result = run(fake_settings, TONIGHT, "broken-1")

    if expected is None:
        assert result.success, result.critical_failures
    else:
        assert not result.success
        assert expected in result.critical_failures
        assert result.docs_dir is not None


def test_row_count_collapse_is_a_warning(fake_settings):
    with connect(fake_settings.warehouse_path) as con:
        # Three more earlier check-in files of 10,000 rows (ids only order deliveries; tonight's
        # are left out of the "recent" ones), so tonight's 500 rows are a collapse.
        con.execute(
            "insert into quality.deliveries select n, 'app/checkins_old' || n || '.csv', "
            "'checkins', date '2026-11-01' + n::INTEGER, 'csv', 1, 's', 'loaded', 10000, 10000, "
            "0, 0, false, now() from range(101, 104) r(n)"
        )

    result = run(fake_settings, TONIGHT, "collapse-1")

    assert result.success, result.critical_failures
    assert result.warnings == [
        "app/checkins_20261120.csv loaded 500 rows, 5% of the recent median of 10,000; the "
        "limit is 50%"
    ]
    with connect(fake_settings.warehouse_path, read_only=True) as con:
        observed = con.execute(
            "select observed_value from quality.validation_runs where suite = "
            "'new_delivery_row_counts'"
        ).fetchone()[0]
    assert observed == "1 of 3 rows unexpected"  # participants and appointments have no history


def test_candidate_marts_are_what_is_validated(fake_settings):
    """The flow validates dbt's candidate schema before promoting it to marts."""
    schema = fake_settings.candidate_schema
    with connect(fake_settings.warehouse_path) as con:
        con.execute(f"create schema {schema}")
        for (table,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall():
            con.execute(f"create table {schema}.{table} as select * from marts.{table}")
        con.execute(f"update {schema}.appointment_attendance_monthly set scheduled = scheduled + 2")

    result = run(fake_settings, TONIGHT, "candidate-1")

    # The public marts are intact; the candidate's totals are off by 2 per month.
    [failure] = result.critical_failures
    assert failure.startswith(SCHEDULED_SAYS + "+") and failure.endswith("; the limit is 0")
    assert f"<code>{schema}</code>" in (result.docs_dir / "index.html").read_text()


def test_landing_rules_report_counts_of_offending_rows(fake_settings):
    """Delivery checks run on a summary, yet report how many of tonight's rows broke a rule."""
    with connect(fake_settings.warehouse_path) as con:
        con.execute(
            "update landing.checkins set craving_score = 42 where _delivery_id = 5 "
            "and _row_number in (3, 4)"
        )
        tonight = con.execute(
            "select count(*) from landing.checkins where _delivery_id = 5"
        ).fetchone()[0]

    result = run(fake_settings, TONIGHT, "counts-1")

    label = "value within the contract's range 0 to 10 (craving_score)"
    assert result.critical_failures == [
        f"2 of tonight's {tonight} checkins rows have a craving_score outside 0 to 10; the limit "
        "is 0"
    ]
    observed = {(r[1], r[2]): r[5] for r in history(fake_settings)}
    assert observed[("new_checkins_delivery", label)] == f"2 of {tonight} rows unexpected"
    assert observed[("new_checkins_delivery", "key is filled in (checkin_id)")] == (
        f"0 of {tonight} rows unexpected"
    )
