"""The night's deliveries judged as the quality team sets it: what the quarantine took, files
quarantined whole, and entities not delivered lately; each said with its figure and limit."""

from __future__ import annotations

from core.warehouse import connect
from engines.duckdb_engine import DuckDBEngine
from expectations.gate import validate
from tests.validation.conftest import settings_for
from tests.validation.fake_warehouse import TONIGHT


def _night(settings, sql: str, ids=TONIGHT, run_id="night-1"):
    with connect(settings.warehouse_path) as con:
        con.execute(sql)
    return validate(settings, DuckDBEngine(settings), ids, run_id)


def test_a_night_that_lost_most_check_ins_to_the_quarantine_is_critical(fake_settings):
    # Tonight's check-ins: 500 loaded; 3,000 more read and quarantined (86% of 3,500).
    result = _night(
        fake_settings,
        "update quality.deliveries set rows_read = 3500, rows_quarantined = 3000 "
        "where delivery_id = 5",
    )
    assert not result.success
    assert result.critical_failures == [
        "86% of tonight's checkins rows were quarantined (3,000 of 3,500 read); the limit is 50%"
    ]
    # Above the warning limit too: said once as a warning, once as critical.
    assert result.warnings == [
        "86% of tonight's checkins rows were quarantined (3,000 of 3,500 read); the limit is 5%"
    ]


def test_a_few_rejected_rows_and_a_quarantined_file_are_warnings(fake_settings):
    result = _night(
        fake_settings,
        "update quality.deliveries set rows_read = 550, rows_quarantined = 50 "
        "where delivery_id = 5; "
        "update quality.deliveries set status = 'quarantined', rows_read = 0, rows_loaded = 0 "
        "where delivery_id = 4",
    )
    assert result.success, result.critical_failures
    assert result.warnings == [
        "1 of tonight's 1 participants file(s) were quarantined whole; the limit is 0",
        "9.1% of tonight's checkins rows were quarantined (50 of 550 read); the limit is 5%",
    ]


def test_the_quality_team_sets_thresholds_and_severities(fake_template, tmp_path):
    import shutil

    shutil.copy(fake_template, tmp_path / "warehouse.duckdb")
    settings = settings_for(tmp_path).model_copy(
        update={
            "rejected_share_warning": 0.2,
            "rejected_share_critical": 0.9,
            "quarantined_file_severity": "critical",
        }
    )
    result = _night(
        settings,
        "update quality.deliveries set rows_read = 550, rows_quarantined = 50 "
        "where delivery_id = 5; "
        "update quality.deliveries set status = 'quarantined' where delivery_id = 6",
    )
    assert result.warnings == []  # 9.1% is under the 20% the team chose
    assert result.critical_failures == [
        "1 of tonight's 1 appointments file(s) were quarantined whole; the limit is 0"
    ]


def test_an_entity_not_delivered_lately_is_critical(fake_settings):
    # The appointments of the last 5 nights never came (the newest is 5 days before the as-of).
    result = _night(
        fake_settings,
        "update quality.deliveries set export_date = export_date - 5 where entity = 'appointments'",
        ids=[4, 5],
    )
    assert not result.success
    assert result.critical_failures == [
        "the newest appointments delivery is 5 day(s) old (export date 2026-11-15); the limit is 3"
    ]


def test_rerunning_a_night_already_processed_is_not_a_missing_delivery(fake_settings):
    result = _night(fake_settings, "select 1", ids=[])  # nothing new tonight
    assert result.success, result.critical_failures
    assert result.warnings == []


def test_an_entity_never_delivered_is_critical(fake_settings):
    result = _night(fake_settings, "delete from quality.deliveries where entity = 'appointments'")
    assert "no appointments delivery has been loaded" in result.critical_failures
