"""The mart invariants are dbt tests, and each of them can fail.

A small warehouse (the hand-worked participants) is built once; dbt build runs every test on it,
so each passes on correct marts. Each case below then breaks one row of a built mart on purpose,
runs `dbt test --select <that test>` and asserts that dbt reports exactly that test failing, then
puts the mart back. Cases of one test that checks several rules break one rule at a time, the
others kept true.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pytest

from engines.dbt_runner import DbtBuildError, run_dbt
from tests.dbt.test_transform_hand_worked import AS_OF, landing_rows
from tests.dbt.transform_support import build

pytestmark = pytest.mark.slow

RETENTION = "participant_retention"
CURVE = "retention_curve"
DRINKING = "participant_drinking_monthly"
ATTENDANCE = "appointment_attendance_monthly"
APPOINTMENT_TYPES_TEST = (
    "accepted_values_appointment_attendance_monthly_appointment_type"
    "__intake__prescriber__therapy__group__peer_support"
)
STATUS_TEST = (
    "accepted_values_participant_retention_status__in_care__dropped_out__completed__transferred"
)
RECONCILIATION_TEST = "retention_rows_match_started_participants"


@dataclass(frozen=True)
class Break:
    """`update marts.<table> set <assignments>` on one row: the first (by rowid) where `where`."""

    test: str
    table: str
    assignments: str
    where: str = "true"

    def statements(self) -> list[str]:
        return [
            f"update marts.{self.table} set {self.assignments} where rowid = "
            f"(select min(rowid) from marts.{self.table} where {self.where})"
        ]


@dataclass(frozen=True)
class Statements:
    """Any statements that change one mart (rows added or removed)."""

    test: str
    table: str
    sql: tuple[str, ...]

    def statements(self) -> list[str]:
        return list(self.sql)


FIRST_RETENTION_ROW = f"(select min(participant_id) from marts.{RETENTION})"

CASES = [
    # participant_retention
    Break("not_null_participant_retention_status", RETENTION, "status = null"),
    Break(STATUS_TEST, RETENTION, "status = 'lost'"),
    Break("not_null_participant_retention_participant_id", RETENTION, "participant_id = null"),
    Break(
        "retained_flags_consistent",
        RETENTION,
        "days_retained = -1, retained_30d = false, retained_90d = false, retained_180d = false",
        "dropped_out",
    ),
    Break("days_retained_matches_dates", RETENTION, "days_retained = days_retained + 1"),
    Break("retained_flags_consistent", RETENTION, "dropped_out = not dropped_out"),
    # retention_curve
    Break("not_null_retention_curve_retention", CURVE, "retention = null"),
    Break("retention_curve_non_increasing", CURVE, "retention = 1.5", "day = 0"),
    Break("retention_curve_non_increasing", CURVE, "retention = -0.1"),
    # the last step of a curve that has fallen below 1 goes back up to 1
    Break(
        "retention_curve_non_increasing",
        CURVE,
        "retention = 1",
        f"cohort = 'all' and day = (select max(day) from marts.{CURVE} where cohort = 'all')"
        " and retention < 1",
    ),
    Break("retention_curve_day_not_negative", CURVE, "day = -1", "day = 0"),
    Break("retention_curve_exits_within_at_risk", CURVE, "censored = at_risk - dropouts + 1"),
    # participant_drinking_monthly
    Break(
        "participant_drinking_monthly_treatment_month_within_0_outcome_months",
        DRINKING,
        "treatment_month = 13",
    ),
    Break(
        "participant_drinking_monthly_treatment_month_within_0_outcome_months",
        DRINKING,
        "treatment_month = -1",
    ),
    Break("drinking_day_counts_nest", DRINKING, "window_days = 31"),
    Break("drinking_day_counts_nest", DRINKING, "window_days = 0", "reported_days = 0"),
    *(
        Break("fractions_within_unit_interval", DRINKING, f"{column} = 1.5")
        for column in (
            "pct_drink_free_observed",
            "pct_drink_free_conservative",
            "pct_heavy_observed",
            "report_coverage",
        )
    ),
    Break("fractions_within_unit_interval", DRINKING, "report_coverage = -0.5"),
    # more reported days than window days, the day counts still adding up
    Break(
        "drinking_day_counts_nest",
        DRINKING,
        "reported_days = window_days + 1, drinking_days = window_days + 1 - drink_free_days",
        "window_days < 30",
    ),
    Break("drinking_day_counts_nest", DRINKING, "reported_days = reported_days + 1"),
    Break("drinking_day_counts_nest", DRINKING, "heavy_drinking_days = drinking_days + 1"),
    Break(
        "participant_drinking_monthly_drinks_per_drinking_day_at_least_1",
        DRINKING,
        "drinks_per_drinking_day = 0.5",
    ),
    # appointment_attendance_monthly
    Break("appointment_attendance_monthly_month_is_year_month", ATTENDANCE, "month = '2026/04'"),
    Break("appointment_attendance_monthly_month_is_year_month", ATTENDANCE, "month = '2026-13'"),
    Break(APPOINTMENT_TYPES_TEST, ATTENDANCE, "appointment_type = 'dentist'"),
    Break(
        "appointment_attendance_monthly_attendance_rate_within_0_1",
        ATTENDANCE,
        "attendance_rate = 1.5",
    ),
    Break(
        "appointment_attendance_monthly_attendance_rate_within_0_1",
        ATTENDANCE,
        "attendance_rate = -0.5",
    ),
    Break(
        "attendance_counts_nest",
        ATTENDANCE,
        "scheduled = attended + noshow + cancelled + unresolved - 1",
        "attended + noshow + cancelled + unresolved > 0",
    ),
    Break("attendance_counts_nest", ATTENDANCE, "cancelled_by_patient = cancelled + 1"),
    # reconciliation of participant_retention with the participants who started
    Statements(
        RECONCILIATION_TEST,
        RETENTION,
        (f"delete from marts.{RETENTION} where participant_id = {FIRST_RETENTION_ROW}",),
    ),
    Statements(
        RECONCILIATION_TEST,
        RETENTION,
        (
            f"insert into marts.{RETENTION} select * from marts.{RETENTION}"
            f" where participant_id = {FIRST_RETENTION_ROW}",
        ),
    ),
    Statements(
        RECONCILIATION_TEST,
        RETENTION,
        (
            f"insert into marts.{RETENTION} by name select * replace"
            f" ('p_ffffffffffffffff' as participant_id) from marts.{RETENTION}"
            f" where participant_id = {FIRST_RETENTION_ROW}",
        ),
    ),
    Statements(
        RECONCILIATION_TEST,
        "participants",
        (
            "update marts.participants set started = false"
            f" where participant_id = {FIRST_RETENTION_ROW}",
        ),
    ),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    # `dbt build` fails on any failing test: every invariant holds on the marts as built.
    return build(tmp_path_factory.mktemp("invariants"), landing_rows(), AS_OF)


def _case_id(case: Break | Statements) -> str:
    detail = case.assignments if isinstance(case, Break) else case.sql[0].split()[0]
    return f"{case.test[:60]}[{detail}]"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_a_broken_mart_row_fails_its_dbt_test(warehouse, case):
    path = str(warehouse.warehouse_path)
    with duckdb.connect(path) as con:
        con.execute(f"create or replace table main.saved as select * from marts.{case.table}")
        changed = sum(con.execute(sql).fetchone()[0] for sql in case.statements())
    assert changed > 0, "the break matched no row of the built mart"
    try:
        with pytest.raises(DbtBuildError) as failure:
            run_dbt(warehouse, ["test", "--select", case.test])
        # one line per failing node: "test.aud_outcomes.<name>[.<hash>] (fail): Got n results..."
        failed = [
            line.split(" ")[0].split(".")[2]
            for line in str(failure.value).splitlines()
            if " (fail): " in line
        ]
        assert failed == [case.test], str(failure.value)
    finally:
        with duckdb.connect(path) as con:
            con.execute(f"delete from marts.{case.table}")
            con.execute(f"insert into marts.{case.table} select * from main.saved")
            con.execute("drop table main.saved")
