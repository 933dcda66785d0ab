"""The DataFrames the suites validate, read from the warehouse (one per suite, same name).

Only what is new tonight (the landing rows of the new deliveries) and what is about to be
published (the marts) are read; cross-table rules are reduced to small DataFrames in SQL first.
Participant ids are read only where a suite checks them, and never shown (result_format hides
unexpected values). Numbers are cast to DOUBLE: GX's pandas range checks are vectorised only for
int64/float64 columns and fall back to a Python loop per value for int32 or nullable types
(7 s instead of 0.5 s on a million rows).
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
        "date_diff('day', _export_date, enrolled_on)::DOUBLE AS enrolled_days_after_export",
        "date_diff('day', enrolled_on, discharged_on)::DOUBLE AS discharge_days_after_enrolment",
    ),
    "checkins": (
        "date_diff('day', _export_date, report_date)::DOUBLE AS report_days_after_export",
    ),
    "appointments": (),
}


def marts_schema(con: duckdb.DuckDBPyConnection, candidate_schema: str) -> str:
    """The schema about to be published: the candidate marts when dbt built them, else marts."""
    found = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [candidate_schema],
        ).fetchall()
    }
    return candidate_schema if set(MART_TABLES) <= found else "marts"


def delivery_rows(con: duckdb.DuckDBPyConnection, entity: str, ids: list[int]) -> pd.DataFrame:
    columns = ", ".join(
        [
            f"{c.name}::DOUBLE AS {c.name}" if c.min_value is not None else c.name
            for c in ENTITIES[entity].columns
        ]
        + list(_DELIVERY_DERIVED[entity])
    )
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
        select d.source_file, d.entity, d.status, d.rows_loaded::DOUBLE as rows_loaded,
               r.recent_median::DOUBLE as recent_median,
               case when r.recent_deliveries >= $min_n and r.recent_median > 0
                    then d.rows_loaded / r.recent_median end::DOUBLE as ratio_to_recent_median
        from quality.deliveries d left join recent r using (entity)
        where list_contains($ids::BIGINT[], d.delivery_id)
        order by d.delivery_id
        """,
        {"ids": ids, "n": RECENT_DELIVERIES, "min_n": RECENT_DELIVERIES_MIN},
    ).df()


def participant_retention(con: duckdb.DuckDBPyConnection, schema: str) -> pd.DataFrame:
    """Per status, the row count, missing ids and the extremes of the checked quantities.

    Reduced in DuckDB for the same reason as drinking_monthly (100,000 rows at program scale).
    """
    return con.execute(
        f"""
        with checked as (
            select status, participant_id is null as missing_id, days_retained,
                   date_diff('day', care_start_date, last_engaged_on) - days_retained
                       as days_retained_mismatch,
                   case when dropped_out = (status = 'dropped_out') then 0 else 1 end
                       as dropped_out_mismatch
            from {schema}.participant_retention
        )
        select status, count(*)::DOUBLE as rows,
               count(*) filter (where missing_id)::DOUBLE as missing_participant_ids,
               min(days_retained)::DOUBLE as days_retained_min,
               min(days_retained_mismatch)::DOUBLE as days_retained_mismatch_min,
               max(days_retained_mismatch)::DOUBLE as days_retained_mismatch_max,
               max(dropped_out_mismatch)::DOUBLE as dropped_out_mismatch_max
        from checked group by status order by status
        """
    ).df()


def retention_curve(con: duckdb.DuckDBPyConnection, schema: str) -> pd.DataFrame:
    return con.execute(
        f"""
        select cohort, day::DOUBLE as day, retention::DOUBLE as retention,
               (retention - lag(retention) over (partition by cohort order by day))::DOUBLE
                   as retention_increase,
               (dropouts + censored - at_risk)::DOUBLE as at_risk_shortfall
        from {schema}.retention_curve
        """
    ).df()


# Checked per-row quantities of participant_drinking_monthly: (name, SQL expression).
DRINKING_MEASURES = (
    ("treatment_month", "treatment_month"),
    ("window_days", "window_days"),
    ("pct_drink_free_observed", "pct_drink_free_observed"),
    ("pct_drink_free_conservative", "pct_drink_free_conservative"),
    ("pct_heavy_observed", "pct_heavy_observed"),
    ("report_coverage", "report_coverage"),
    ("drinks_per_drinking_day", "drinks_per_drinking_day"),
    ("reported_days_over_window", "reported_days - window_days"),
    ("unbalanced_reported_days", "reported_days - drink_free_days - drinking_days"),
    ("heavy_days_over_drinking", "heavy_drinking_days - drinking_days"),
)


def drinking_monthly(con: duckdb.DuckDBPyConnection, schema: str) -> pd.DataFrame:
    """Per treatment month, the smallest and largest value of every checked quantity.

    The table has about a million rows at program scale; GX's pandas engine copies the whole
    frame for every metric (6 s here), while DuckDB reduces it in a fraction of a second. A value
    range holds for every row exactly when it holds for the minimum and the maximum, so the
    expectations on `<name>_min` / `<name>_max` are the row-level rules, with the extreme values
    as GX's observed values.
    """
    aggregates = ",\n".join(
        f"min(({expr})::DOUBLE) as {name}_min, max(({expr})::DOUBLE) as {name}_max"
        for name, expr in DRINKING_MEASURES
    )
    return con.execute(
        f"""
        select treatment_month as month_group, count(*)::DOUBLE as rows, {aggregates}
        from {schema}.participant_drinking_monthly
        group by treatment_month order by treatment_month
        """
    ).df()


def attendance_monthly(con: duckdb.DuckDBPyConnection, schema: str) -> pd.DataFrame:
    return con.execute(
        f"""
        select month, appointment_type, attendance_rate::DOUBLE as attendance_rate,
               (scheduled - attended - noshow - cancelled - unresolved)::DOUBLE as unaccounted,
               (cancelled_by_patient - cancelled)::DOUBLE as patient_cancellations_over_cancelled
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
            (select count(*) from started s anti join retained r using (participant_id))::DOUBLE
                as started_missing_from_retention,
            (select count(*) from retained r anti join started s using (participant_id))::DOUBLE
                as retention_rows_not_started,
            (select coalesce(sum(n - 1), 0) from retained where n > 1)::DOUBLE
                as duplicate_retention_rows,
            (select mart.scheduled - appts.scheduled from mart, appts)::DOUBLE
                as scheduled_total_difference,
            (select mart.attended - appts.attended from mart, appts)::DOUBLE
                as attended_total_difference
        """,
        {"as_of": as_of},
    ).df()


def checkin_freshness(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    """Days from the newest check-in report date (up to the as-of date) to the as-of date."""
    return con.execute(
        """
        select max(report_date) as newest_report_date,
               date_diff('day', max(report_date), $as_of::DATE)::DOUBLE
                   as days_since_newest_report
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
