"""The DataFrames the suites validate (one per suite, same name), all small pandas frames.

Two sources, one path on every engine:
- tonight's deliveries are ingestion's tables in the DuckDB warehouse file on every engine
  (`landing.*` rows of the new delivery ids, `quality.deliveries`), read with
  `core.warehouse.open_warehouse`;
- freshness and the cross-checks read dbt's relations (`staging.<model>`,
  `intermediate.<model>`, the marts in `engine.marts_schema()`) through `engine.read_frame`, in
  SQL that runs on DuckDB and Spark 4.1. They never re-derive from landing what dbt derives
  (latest versions, time-zone dates, which appointments and participants count).

Why no `UnexpectedRowsExpectation` for the rules that are queries: in Great Expectations 1.24 its
metrics (`unexpected_rows_query.table` / `.row_count`, great_expectations/expectations/metrics/
query_metrics/) have providers for the SQLAlchemy and Spark execution engines only; over the
pandas data source the gate uses (one path for both engines, ../shared/STACK.md) every such
expectation fails with "No provider found for unexpected_rows_query.table using
PandasExecutionEngine". So each rule's query of offending rows runs through `engine.read_frame`,
reduced to its count (or a difference of totals) on one row, and a standard expectation
(`ExpectColumnMaxToBeBetween`, 0..0) expects zero, with the count as GX's observed value.

Every large table is reduced in the database first (counts of offending rows, totals), so GX's
cost does not grow with the size of a delivery or of the history. Participant ids never reach a
frame. Numbers are cast to DOUBLE or BIGINT: GX's pandas range checks are vectorised only for
int64/float64 columns (a Python loop per value for int32 or nullable types).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from core.contract import ENTITIES
from core.engine import Engine
from expectations.thresholds import RECENT_DELIVERIES, RECENT_DELIVERIES_MIN

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


def night_deliveries(
    con: duckdb.DuckDBPyConnection, ids: list[int], as_of: dt.date
) -> pd.DataFrame:
    """One wide row: per entity, tonight's files, files quarantined whole, rows read and
    quarantined and their share, and the days from its newest delivered export to the as-of date.

    The newest export counts every loaded or empty delivery, not only tonight's, so re-running a
    night that was already processed is not a missing delivery. An entity never delivered (up to
    the as-of date) has no age (null).
    """
    rows = con.execute(
        """
        with tonight as (
            select entity, count(*) as files,
                   count(*) filter (where status = 'quarantined') as files_quarantined,
                   coalesce(sum(rows_read), 0) as rows_read,
                   coalesce(sum(rows_quarantined), 0) as rows_quarantined
            from quality.deliveries
            where list_contains($ids::BIGINT[], delivery_id)
            group by entity
        ),
        newest as (
            select entity, max(export_date) as newest_export
            from quality.deliveries
            where status in ('loaded', 'empty') and export_date <= $as_of
            group by entity
        )
        select entity, files, files_quarantined, rows_read, rows_quarantined, newest_export
        from tonight full join newest using (entity)
        """,
        {"ids": ids, "as_of": as_of},
    ).fetchall()
    found = {r[0]: r[1:] for r in rows}
    wide: dict[str, object] = {}
    for entity in ENTITIES:
        files, quarantined, read, rejected, newest = found.get(entity, (0, 0, 0, 0, None))
        files, quarantined, read, rejected = (
            int(v or 0) for v in (files, quarantined, read, rejected)
        )
        wide |= {
            f"{entity}_files": float(files),
            f"{entity}_files_quarantined": float(quarantined),
            f"{entity}_rows_read": float(read),
            f"{entity}_rows_quarantined": float(rejected),
            f"{entity}_rejected_share": rejected / read if read else 0.0,
            f"{entity}_newest_export": newest.isoformat() if newest else None,
            f"{entity}_days_since_export": float((as_of - newest).days) if newest else float("nan"),
        }
    return pd.DataFrame([wide])


def _date_sql(day: dt.date) -> str:
    """A date literal both DuckDB and Spark SQL read."""
    return f"date '{day.isoformat()}'"


def reconciliation_sql(schema: str, as_of: dt.date) -> str:
    """One row: the marts' appointment totals minus dbt's appointments as of the as-of date, and
    the participants on one side only (dbt's enrolled participants vs the marts).

    It reads dbt's intermediate relations, which apply the rules that decide what counts (the
    latest version from staging, consent, entered-in-error dropped, attended statuses, dates in
    the program time zone; METRICS.md, EXPORTS.md), so the gate keeps no copy of those rules.
    The as-of bound is applied again: a row past it would be counted by the marts too, and the
    difference shows that dbt and the gate disagree about the as-of date. All must be 0.
    """
    day = _date_sql(as_of)
    return f"""
        with enrolled as (
            select distinct participant_id
            from intermediate.int_participants_enrolled
            where enrolled_on <= {day}
        ),
        dbt_appointments as (
            select
                count(*) as scheduled,
                count(*) filter (where is_attended) as attended
            from intermediate.int_appointments_as_of
            where scheduled_date <= {day}
        ),
        mart as (
            select
                coalesce(sum(scheduled), 0) as scheduled,
                coalesce(sum(attended), 0) as attended
            from {schema}.appointment_attendance_monthly
        ),
        missing as (
            select count(*) as n
            from enrolled
            left join {schema}.participants as marts
                on enrolled.participant_id = marts.participant_id
            where marts.participant_id is null
        ),
        not_enrolled as (
            select count(*) as n
            from {schema}.participants as marts
            left join enrolled on marts.participant_id = enrolled.participant_id
            where enrolled.participant_id is null
        )
        select
            cast(mart.scheduled - dbt_appointments.scheduled as double)
                as scheduled_total_difference,
            cast(mart.attended - dbt_appointments.attended as double) as attended_total_difference,
            cast(missing.n as double) as participants_missing_from_marts,
            cast(not_enrolled.n as double) as marts_participants_not_enrolled
        from mart cross join dbt_appointments cross join missing cross join not_enrolled
    """


def reconciliation(engine: Engine, schema: str, as_of: dt.date) -> pd.DataFrame:
    return engine.read_frame(reconciliation_sql(schema, as_of)).astype("float64")


def checkin_freshness_sql(as_of: dt.date) -> str:
    return f"""
        select cast(max(report_date) as date) as newest_report_date
        from staging.stg_app__checkins
        where report_date <= {_date_sql(as_of)}
    """


def checkin_freshness(engine: Engine, as_of: dt.date) -> pd.DataFrame:
    """Days from staging's newest check-in report date (up to the as-of date) to the as-of date.

    The day count is taken here, not in SQL: DuckDB's date_diff and Spark's datediff differ.
    """
    newest = engine.read_frame(checkin_freshness_sql(as_of))["newest_report_date"]
    day = pd.to_datetime(newest.iloc[0]) if len(newest) else pd.NaT
    days = float("nan") if pd.isna(day) else float((pd.Timestamp(as_of) - day).days)
    return pd.DataFrame(
        {
            "newest_report_date": [None if pd.isna(day) else day.date().isoformat()],
            "days_since_newest_report": [days],
        }
    )


def engine_frames(engine: Engine, schema: str, as_of: dt.date) -> dict[str, pd.DataFrame]:
    """The frames read from dbt's relations, on whichever engine built them."""
    return {
        "marts_reconciliation": reconciliation(engine, schema, as_of),
        "checkin_freshness": checkin_freshness(engine, as_of),
    }


def delivery_frames(
    con: duckdb.DuckDBPyConnection, new_delivery_ids: list[int], as_of: dt.date
) -> dict[str, pd.DataFrame]:
    """The delivery suites' frames, from DuckDB's landing (where ingestion is, on both engines)."""
    ids = [int(i) for i in new_delivery_ids]
    return {
        "new_participants_delivery": delivery_summary(con, "participants", ids),
        "new_checkins_delivery": delivery_summary(con, "checkins", ids),
        "new_appointments_delivery": delivery_summary(con, "appointments", ids),
        "new_delivery_row_counts": delivery_row_counts(con, ids),
        "night_deliveries": night_deliveries(con, ids, as_of),
    }
