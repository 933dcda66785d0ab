"""The DataFrames the suites validate, read from the warehouse (one per suite, same name).

Only what is new tonight (the landing rows of the new deliveries) and what is about to be
published (the marts) are read; cross-table rules are reduced to small DataFrames in SQL first.
Participant ids are read only where a suite checks them, and never shown (result_format hides
unexpected values).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb
import pandas as pd

from expectations.thresholds import RECENT_DELIVERIES, RECENT_DELIVERIES_MIN
from flows.contract import ENTITIES

MART_TABLES = (
    "participants",
    "participant_retention",
    "retention_curve",
    "participant_drinking_monthly",
    "appointment_attendance_monthly",
)

# Derived columns per entity: date rules of the contract, as day differences.
_DELIVERY_DERIVED = {
    "participants": (
        "date_diff('day', _export_date, enrolled_on) AS enrolled_days_after_export",
        "date_diff('day', enrolled_on, discharged_on) AS discharge_days_after_enrolment",
    ),
    "checkins": ("date_diff('day', _export_date, report_date) AS report_days_after_export",),
    "appointments": (),
}


def marts_schema(con: duckdb.DuckDBPyConnection, candidate_schema: str) -> str:
    """The schema about to be published: the run's candidate marts when dbt built them, else marts."""
    found = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [candidate_schema],
        ).fetchall()
    }
    return candidate_schema if set(MART_TABLES) <= found else "marts"


def delivery_rows(con: duckdb.DuckDBPyConnection, entity: str, ids: list[int]) -> pd.DataFrame:
    columns = ", ".join([*ENTITIES[entity].column_names, *_DELIVERY_DERIVED[entity]])
    return con.execute(
        f"select {columns} from landing.{entity} where list_contains(?::BIGINT[], _delivery_id)",
        [ids],
    ).df()


def delivery_row_counts(con: duckdb.DuckDBPyConnection, ids: list[int]) -> pd.DataFrame:
    """Tonight's files with the median rows_loaded of the entity's recent earlier deliveries.

    The ratio is left null while an entity has fewer than RECENT_DELIVERIES_MIN earlier loads
    (the first nights after the full initial export), so there is nothing to collapse against.
    """
    return con.execute(
        """
        with prior as (
            select entity, rows_loaded,
                   row_number() over (partition by entity order by delivery_id desc) as rn
            from quality.deliveries
            where status = 'loaded' and not list_contains($ids::BIGINT[], delivery_id)
        ),
        recent as (
            select entity, median(rows_loaded) as recent_median, count(*) as recent_deliveries
            from prior where rn <= $n group by entity
        )
        select d.source_file, d.entity, d.status, d.rows_loaded, r.recent_median,
               r.recent_deliveries,
               case when r.recent_deliveries >= $min_n and r.recent_median > 0
                    then d.rows_loaded / r.recent_median end as ratio_to_recent_median
        from quality.deliveries d left join recent r using (entity)
        where list_contains($ids::BIGINT[], d.delivery_id)
        order by d.delivery_id
        """,
        {"ids": ids, "n": RECENT_DELIVERIES, "min_n": RECENT_DELIVERIES_MIN},
    ).df()


def participant_retention(con: duckdb.DuckDBPyConnection, schema: str) -> pd.DataFrame:
    return con.execute(
        f"""
        select participant_id, status, days_retained, cohort_month,
               date_diff('day', care_start_date, last_engaged_on) - days_retained
                   as days_retained_mismatch,
               case when dropped_out = (status = 'dropped_out') then 0 else 1 end
                   as dropped_out_mismatch
        from {schema}.participant_retention
        """
    ).df()


def retention_curve(con: duckdb.DuckDBPyConnection, schema: str) -> pd.DataFrame:
    return con.execute(
        f"""
        select cohort, day, at_risk, dropouts, censored, retention,
               retention - lag(retention) over (partition by cohort order by day)
                   as retention_increase,
               dropouts + censored - at_risk as at_risk_shortfall
        from {schema}.retention_curve
        """
    ).df()


def drinking_monthly(con: duckdb.DuckDBPyConnection, schema: str) -> pd.DataFrame:
    return con.execute(
        f"""
        select treatment_month, window_days,
               pct_drink_free_observed, pct_drink_free_conservative, pct_heavy_observed,
               report_coverage, drinks_per_drinking_day,
               reported_days - window_days as reported_days_over_window,
               reported_days - drink_free_days - drinking_days as unbalanced_reported_days,
               heavy_drinking_days - drinking_days as heavy_days_over_drinking
        from {schema}.participant_drinking_monthly
        """
    ).df()


def attendance_monthly(con: duckdb.DuckDBPyConnection, schema: str) -> pd.DataFrame:
    return con.execute(
        f"""
        select month, appointment_type, attendance_rate,
               scheduled - attended - noshow - cancelled - unresolved as unaccounted,
               cancelled_by_patient - cancelled as patient_cancellations_over_cancelled
        from {schema}.appointment_attendance_monthly
        """
    ).df()


def reconciliation(con: duckdb.DuckDBPyConnection, schema: str, as_of: dt.date) -> pd.DataFrame:
    """One row of differences that must all be 0 (participants and appointment totals)."""
    return con.execute(
        f"""
        with started as (
            select distinct participant_id from {schema}.participants where started
        ),
        retained as (
            select participant_id, count(*) as n
            from {schema}.participant_retention group by participant_id
        ),
        appts as (
            select count(*) as scheduled, count(*) filter (where is_attended) as attended
            from staging.stg_scheduling__appointments where scheduled_date <= $as_of
        ),
        mart as (
            select coalesce(sum(scheduled), 0) as scheduled, coalesce(sum(attended), 0) as attended
            from {schema}.appointment_attendance_monthly
        )
        select
            (select count(*) from started s anti join retained r using (participant_id))
                as started_missing_from_retention,
            (select count(*) from retained r anti join started s using (participant_id))
                as retention_rows_not_started,
            (select coalesce(sum(n - 1), 0) from retained where n > 1)
                as duplicate_retention_rows,
            (select mart.scheduled - appts.scheduled from mart, appts)
                as scheduled_total_difference,
            (select mart.attended - appts.attended from mart, appts)
                as attended_total_difference
        """,
        {"as_of": as_of},
    ).df()


def checkin_freshness(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    """Days from the newest check-in report date (up to the as-of date) to the as-of date."""
    return con.execute(
        """
        select max(report_date) as newest_report_date,
               date_diff('day', max(report_date), $as_of::DATE) as days_since_newest_report
        from landing.checkins where report_date <= $as_of::DATE
        """,
        {"as_of": as_of},
    ).df()


def read_frames(
    con: duckdb.DuckDBPyConnection,
    new_delivery_ids: list[int],
    as_of: dt.date,
    candidate_schema: str,
) -> tuple[str, dict[str, pd.DataFrame]]:
    """Every suite's DataFrame, and the marts schema they were read from."""
    schema = marts_schema(con, candidate_schema)
    ids = [int(i) for i in new_delivery_ids]
    readers: dict[str, Callable[[], pd.DataFrame]] = {
        "new_participants_delivery": lambda: delivery_rows(con, "participants", ids),
        "new_checkins_delivery": lambda: delivery_rows(con, "checkins", ids),
        "new_appointments_delivery": lambda: delivery_rows(con, "appointments", ids),
        "new_delivery_row_counts": lambda: delivery_row_counts(con, ids),
        "marts_participant_retention": lambda: participant_retention(con, schema),
        "marts_retention_curve": lambda: retention_curve(con, schema),
        "marts_participant_drinking_monthly": lambda: drinking_monthly(con, schema),
        "marts_appointment_attendance_monthly": lambda: attendance_monthly(con, schema),
        "marts_reconciliation": lambda: reconciliation(con, schema, as_of),
        "checkin_freshness": lambda: checkin_freshness(con, as_of),
    }
    return schema, {name: read() for name, read in readers.items()}
