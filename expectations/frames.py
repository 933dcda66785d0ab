"""The DataFrames the suites validate, read from the warehouse (one per suite, same name).

Only what is new tonight (the landing rows of the new deliveries) and what is about to be
published (the marts) are checked, and every large table is reduced in DuckDB to a small
summary first (counts of offending rows, per-group extremes), so GX's cost does not grow with
the size of a delivery or of the history.
Participant ids are read only where a suite checks them, and never shown (result_format hides
unexpected values). Numbers are cast to DOUBLE: GX's pandas range checks are vectorised only for
int64/float64 columns and fall back to a Python loop per value for int32 or nullable types
(7 s instead of 0.5 s on a million rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from core.contract import ATTENDED_STATUSES, ENTITIES
from core.settings import Settings
from expectations.thresholds import RECENT_DELIVERIES, RECENT_DELIVERIES_MIN

MART_TABLES = (
    "participants",
    "participant_retention",
    "retention_curve",
    "participant_drinking_monthly",
    "appointment_attendance_monthly",
)

# Date rules of the contract per entity: (summary column, contract columns it reads, SQL
# condition of an offending row). The summary column keeps the name of the day-difference column
# these rules were first checked on, so labels in quality.validation_runs stay comparable.
DELIVERY_DATE_RULES: dict[str, tuple[tuple[str, tuple[str, ...], str], ...]] = {
    "participants": (
        ("enrolled_days_after_export", ("enrolled_on",), "enrolled_on > _export_date"),
        (
            "discharge_days_after_enrolment",
            ("discharged_on", "enrolled_on"),
            "discharged_on < enrolled_on",
        ),
    ),
    "checkins": (("report_days_after_export", ("report_date",), "report_date > _export_date"),),
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


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def delivery_summary_columns(entity: str, present: set[str]) -> list[str]:
    """The SQL aggregates of an entity's delivery summary (see delivery_summary).

    Only contract columns present in the landing table are summarised: a missing column then
    fails `every contract column is present` and its own checks (GX cannot find their columns)
    instead of failing the whole read.
    """
    parts = ["count(*) as rows"]
    for col in ENTITIES[entity].columns:
        if col.name not in present:
            continue
        name = col.name
        # Filled values, under the column's own name: the frame's columns then mirror the
        # landing table's, which is what `every contract column ... is present` checks.
        parts.append(f"count({name}) as {name}")
        if not col.nullable:
            parts.append(f"count(*) filter (where {name} is null) as {name}_missing")
        if col.allowed:
            values = ", ".join(_sql_text(v) for v in col.allowed)
            parts.append(f"count(*) filter (where {name} not in ({values})) as {name}_not_in_set")
        if col.min_value is not None or col.max_value is not None:
            bounds = []
            if col.min_value is not None:
                bounds.append(f"{name} < {col.min_value}")
            if col.max_value is not None:
                bounds.append(f"{name} > {col.max_value}")
            parts.append(f"count(*) filter (where {' or '.join(bounds)}) as {name}_out_of_range")
        if col.pattern:
            parts.append(
                f"count(*) filter (where not regexp_matches({name}, {_sql_text(col.pattern)})) "
                f"as {name}_not_matching"
            )
    for summary, reads, condition in DELIVERY_DATE_RULES[entity]:
        if set(reads) <= present:
            parts.append(f"count(*) filter (where {condition}) as {summary}")
    if entity == "checkins" and "standard_drinks" in present:
        # An empty delivery skipped nothing (GX's `mostly` passes on no rows, too).
        parts.append(
            "coalesce(count(standard_drinks) / nullif(count(*), 0), 1.0)::DOUBLE "
            "as standard_drinks_answered_share"
        )
    return parts


def delivery_summary(con: duckdb.DuckDBPyConnection, entity: str, ids: list[int]) -> pd.DataFrame:
    """One row summarising tonight's landing rows of an entity, in one DuckDB pass.

    Every contract rule becomes a count of offending rows (missing values, values outside the
    set or range, ids not matching the pattern, dates after the export date), so the suites
    check `max <= 0` on one row instead of GX's pandas engine testing every landing row: the
    first full export (8.7 M rows) took 89 s that way. A rule holds for every row exactly when
    its count of offending rows is 0, and the count is GX's observed value.
    """
    present = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'landing' and table_name = ?",
            [entity],
        ).fetchall()
    }
    aggregates = ",\n".join(delivery_summary_columns(entity, present))
    return con.execute(
        f"select {aggregates} from landing.{entity} where list_contains(?::BIGINT[], _delivery_id)",
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


# The Settings default, for callers without a Settings object (the cross-engine test).
PROGRAM_TIMEZONE: str = Settings.model_fields["timezone"].default


def local_day_end(day: dt.date, timezone: str) -> dt.datetime:
    """The first instant after `day` in the program time zone: a timestamp is on or before
    `day` there exactly when it is earlier than this (one comparison, no per-row conversion)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), ZoneInfo(timezone))


def reconciliation(
    con: duckdb.DuckDBPyConnection, schema: str, as_of: dt.date, timezone: str | None = None
) -> pd.DataFrame:
    """One row of differences that must all be 0 (participants and appointment totals).

    The appointment totals are derived from landing by the contract's rule (latest version by
    updated_at, export date, delivery, row; entered-in-error dropped), picking only the two
    fields needed and only for appointments sent more than once: counting the staging view
    (every field of the latest version of every appointment) took 6 s on 2 M appointment
    versions, this 1.5 s, and it is a derivation independent of dbt's code.
    """
    attended = ", ".join(f"'{s}'" for s in ATTENDED_STATUSES)
    return con.execute(
        f"""
        with started as (
            select distinct participant_id from {schema}.participants where started
        ),
        retained as (
            select participant_id, count(*) as n
            from {schema}.participant_retention group by participant_id
        ),
        revised as (  -- appointments sent more than once: only these need a version pick
            select appointment_id from landing.appointments group by all having count(*) > 1
        ),
        latest as (
            select status, scheduled_start
            from landing.appointments anti join revised using (appointment_id)
            union all
            select v.status, v.scheduled_start
            from (
                select arg_max(
                    {{'status': status, 'scheduled_start': scheduled_start}},
                    (updated_at, _export_date, _delivery_id, _row_number)
                ) as v
                from landing.appointments semi join revised using (appointment_id)
                group by appointment_id
            )
        ),
        appts as (
            select count(*) as scheduled, count(*) filter (where status in ({attended})) as attended
            from latest
            where status != 'entered-in-error' and scheduled_start < $day_end
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
        {"day_end": local_day_end(as_of, timezone or PROGRAM_TIMEZONE)},
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


def delivery_frames(
    con: duckdb.DuckDBPyConnection, new_delivery_ids: list[int]
) -> dict[str, pd.DataFrame]:
    """The delivery suites' frames, from DuckDB's landing (where ingestion is, on both engines)."""
    ids = [int(i) for i in new_delivery_ids]
    return {
        "new_participants_delivery": delivery_summary(con, "participants", ids),
        "new_checkins_delivery": delivery_summary(con, "checkins", ids),
        "new_appointments_delivery": delivery_summary(con, "appointments", ids),
        "new_delivery_row_counts": delivery_row_counts(con, ids),
    }


def read_frames(
    con: duckdb.DuckDBPyConnection,
    new_delivery_ids: list[int],
    as_of: dt.date,
    candidate_schema: str,
    timezone: str,
) -> tuple[str, dict[str, pd.DataFrame]]:
    """Every suite's DataFrame, and the marts schema they were read from."""
    schema = marts_schema(con, candidate_schema)
    readers: dict[str, Callable[[], pd.DataFrame]] = {
        "marts_participant_retention": lambda: participant_retention(con, schema),
        "marts_retention_curve": lambda: retention_curve(con, schema),
        "marts_participant_drinking_monthly": lambda: drinking_monthly(con, schema),
        "marts_appointment_attendance_monthly": lambda: attendance_monthly(con, schema),
        "marts_reconciliation": lambda: reconciliation(con, schema, as_of, timezone),
        "checkin_freshness": lambda: checkin_freshness(con, as_of),
    }
    frames = delivery_frames(con, new_delivery_ids)
    return schema, {**frames, **{name: read() for name, read in readers.items()}}
