"""The gate over a SQL-built warehouse: clean, stale, warning-only and broken nights."""

from __future__ import annotations

import datetime as dt

import pytest

from core.warehouse import connect
from expectations.gate import validate
from tests.validation.conftest import AS_OF, settings_for
from tests.validation.fake_warehouse import TONIGHT

FRESHNESS = "checkin_freshness: newest check-in report date within freshness_days of the as-of date"


def history(settings):
    with connect(settings.warehouse_path, read_only=True) as con:
        return con.execute(
            "select run_id, suite, expectation, severity, success, observed_value, as_of_date "
            "from quality.validation_runs order by run_id, suite, expectation"
        ).fetchall()


def test_clean_night_passes_and_publishes_docs(fake_settings):
    result = validate(fake_settings, TONIGHT, "clean-1")

    assert result.success, result.critical_failures
    assert result.critical_failures == []
    assert result.warnings == []
    assert result.evaluated > 50
    docs = result.docs_dir
    assert docs is not None and docs.is_relative_to(fake_settings.data_dir.resolve())
    assert (docs / "index.html").is_file()
    assert "Validation passed" in (docs / "index.html").read_text()
    gx_pages = list((docs / "validations").rglob("*.html"))
    assert len(gx_pages) == 10  # one GX Data Docs page per suite
    quarantine = (docs / "quarantine.html").read_text()
    assert "app/checkins_tonight.csv" in quarantine and "out of range 0..60" in quarantine
    rows = history(fake_settings)
    assert len(rows) == result.evaluated
    assert {r[3] for r in rows} == {"critical", "warning"}
    assert all(r[4] for r in rows)
    assert {r[6] for r in rows} == {AS_OF}


def test_stale_night_fails_freshness(fake_settings, tmp_path):
    stale = settings_for(tmp_path, AS_OF + dt.timedelta(days=30))

    result = validate(stale, TONIGHT, "stale-1")

    assert not result.success
    assert FRESHNESS + " (days_since_newest_report)" in result.critical_failures
    index = (result.docs_dir / "index.html").read_text()
    assert "Validation FAILED" in index and "freshness_days" in index
    observed = {r[2]: r[5] for r in history(stale) if r[1] == "checkin_freshness"}
    # Tonight's newest report is the day before the (real) as-of date: 31 days stale.
    assert observed[FRESHNESS.split(": ", 1)[1] + " (days_since_newest_report)"] == "31.0"


def test_warning_only_failure_still_succeeds(fake_settings):
    with connect(fake_settings.warehouse_path) as con:  # tonight, most drink answers skipped
        con.execute(
            "update landing.checkins set standard_drinks = null "
            "where _delivery_id = 5 and _row_number % 10 < 7"
        )

    result = validate(fake_settings, TONIGHT, "warn-1")

    assert result.success
    assert result.critical_failures == []
    assert result.warnings == [
        "new_checkins_delivery: share of skipped drinks answers within bound (standard_drinks)"
    ]
    assert "warning(s)" in (result.docs_dir / "index.html").read_text()
    failed = [r for r in history(fake_settings) if not r[4]]
    assert [(r[1], r[3]) for r in failed] == [("new_checkins_delivery", "warning")]


def test_history_grows_by_one_run_each_time(fake_settings):
    def runs():
        return len({r[0] for r in history(fake_settings)})

    validate(fake_settings, TONIGHT, "h-1")
    assert runs() == 1
    first = len(history(fake_settings))
    validate(fake_settings, [], "h-2")  # a night without new files still validates the marts
    assert runs() == 2
    validate(fake_settings, [], "h-2")  # a retried run replaces its own rows
    assert runs() == 2
    assert len(history(fake_settings)) == 2 * first


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (
            "update marts.retention_curve set retention = 1.5 where day = 3",
            "marts_retention_curve: retention within 0..1 (retention)",
        ),
        (
            "update marts.retention_curve set retention = 0.99 where day = 10",
            "marts_retention_curve: retention curve non-increasing within each cohort "
            "(retention_increase)",
        ),
        (
            "delete from marts.participant_retention where participant_id = 'p_0000000000000007'",
            "marts_reconciliation: every started participant has a retention row "
            "(started_missing_from_retention)",
        ),
        (
            "insert into marts.participant_retention select * from marts.participant_retention "
            "where participant_id = 'p_0000000000000007'",
            "marts_reconciliation: each started participant present once "
            "(duplicate_retention_rows)",
        ),
        (
            "update marts.appointment_attendance_monthly set scheduled = scheduled + 1 "
            "where month = (select min(month) from marts.appointment_attendance_monthly)",
            "marts_reconciliation: scheduled total reconciles with appointments "
            "(scheduled_total_difference)",
        ),
        (
            "update marts.participant_drinking_monthly set pct_heavy_observed = 1.2 "
            "where treatment_month = 4 and participant_id = 'p_0000000000000007'",
            "marts_participant_drinking_monthly: fraction pct_heavy_observed: no value above 1 "
            "(pct_heavy_observed_max)",
        ),
        (
            "update landing.checkins set craving_score = 99 where _delivery_id = 2",
            None,  # an old delivery (2 is history): the gate does not re-check it every night
        ),
        (
            "update landing.checkins set craving_score = 99 where _delivery_id = 5 "
            "and _row_number = 3",
            "new_checkins_delivery: value within the contract's range 0 to 10 (craving_score)",
        ),
        (
            "update landing.participants set sex_at_birth = 'x' where _delivery_id = 4",
            "new_participants_delivery: value is one of the contract's values (sex_at_birth)",
        ),
        (
            "update landing.checkins set participant_id = 'P_0000000000000007' "
            "where _delivery_id = 5 and _row_number = 3",
            "new_checkins_delivery: id has the contract's pseudonymous shape (participant_id)",
        ),
        (
            "update landing.checkins set checkin_id = null where _delivery_id = 5 "
            "and _row_number = 4",
            "new_checkins_delivery: key is filled in (checkin_id)",
        ),
        (
            "update landing.checkins set report_date = _export_date + 1 where _delivery_id = 5 "
            "and _row_number = 2",
            "new_checkins_delivery: report date not after the export date "
            "(report_days_after_export)",
        ),
        (
            "update landing.participants set discharged_on = enrolled_on - 1 "
            "where _delivery_id = 4",
            "new_participants_delivery: discharge not dated before enrolment "
            "(discharge_days_after_enrolment)",
        ),
        (
            "alter table landing.checkins drop column craving_score",
            "new_checkins_delivery: every contract column of checkins is present",
        ),
        (
            # A newer version of a past appointment marks it entered-in-error: the (unrebuilt)
            # mart still counts it, so the totals derived from landing no longer reconcile.
            "insert into landing.appointments by name select * replace ("
            "'entered-in-error' as status, updated_at + interval 1 hour as updated_at, "
            "6 as _delivery_id) from landing.appointments "
            "where appointment_id = 'p_0000000000000007-a1'",
            "marts_reconciliation: scheduled total reconciles with appointments "
            "(scheduled_total_difference)",
        ),
        (
            "insert into landing.appointments by name select * replace ("  # an older version
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

    result = validate(fake_settings, TONIGHT, "broken-1")

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

    result = validate(fake_settings, TONIGHT, "collapse-1")

    assert result.success, result.critical_failures
    assert result.warnings == [
        "new_delivery_row_counts: rows loaded not collapsing against the median of recent "
        "deliveries (ratio_to_recent_median)"
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
        con.execute(f"update {schema}.retention_curve set retention = -0.5 where day = 5")

    result = validate(fake_settings, TONIGHT, "candidate-1")

    assert "marts_retention_curve: retention within 0..1 (retention)" in result.critical_failures
    assert all(f.startswith("marts_retention_curve") for f in result.critical_failures)
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

    result = validate(fake_settings, TONIGHT, "counts-1")

    label = "value within the contract's range 0 to 10 (craving_score)"
    assert result.critical_failures == [f"new_checkins_delivery: {label}"]
    observed = {(r[1], r[2]): r[5] for r in history(fake_settings)}
    assert observed[("new_checkins_delivery", label)] == f"2 of {tonight} rows unexpected"
    assert observed[("new_checkins_delivery", "key is filled in (checkin_id)")] == (
        f"0 of {tonight} rows unexpected"
    )
