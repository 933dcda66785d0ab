"""The quality team's views of the pipeline's own records (quality.*), for the data quality page:
the check-by-night grid, the quarantine by night, source system and reason, and the re-send list.

Like the RecordSummary queries of dashboards/queries.py they read the DuckDB warehouse file (where
ingestion and validation keep quality.* on every engine) and the relations of the quality page's
dbt exposure (quality.validation_runs, quality.quarantine, quality.deliveries). Rows, files and
checks are not people: counts are exact (METRICS.md). No query reads a quarantined row's `record`
or `participant_id`: the page and its CSVs name file, row number, column and reason only.

A warehouse written by an older version may lack a table (empty frame) or a column (read as
null: a history without limits, a quarantine without resolutions, where everything is open).
"""

from __future__ import annotations

import pandas as pd

from core.settings import Settings
from core.warehouse import open_warehouse

# The drop folder's sub-folder is the source system (EXPORTS.md); a file outside one is "other".
SYSTEM = "CASE WHEN strpos({f}, '/') > 0 THEN split_part({f}, '/', 1) ELSE 'other' END"

# The latest run of each as-of date ("night"): a re-run of a night replaces it in the grid.
CHECK_GRID = """
    with latest as (
      select as_of_date, arg_max(run_id, run_at) as run_id
      from quality.validation_runs group by as_of_date
    )
    select v.as_of_date, v.run_id, v.run_at, v.suite, v.expectation, v.severity, v.success,
           v.observed_value, {message} as message, {limit_value} as limit_value, v.rowid as seq
    from quality.validation_runs v
    join latest l on v.as_of_date = l.as_of_date and v.run_id = l.run_id
    order by v.as_of_date, seq
"""

# One item is a rejected row (several columns may break in it) or a file quarantined whole.
QUARANTINE_NIGHTS = """
    with q as (
      select coalesce(d.export_date, cast(q.quarantined_at as date)) as export_date,
             {system} as source_system, q.reason,
             count(distinct q.delivery_id || ':' || q.row_number)
               filter (where q.row_number is not null) as rows,
             count(distinct q.delivery_id) filter (where q.row_number is null) as files,
             count(distinct q.delivery_id || ':' || coalesce(q.row_number, -1))
               filter (where {open}) as still_open
      from quality.quarantine q left join quality.deliveries d using (delivery_id)
      group by all
    ),
    delivered as (
      select export_date, {delivered_system} as source_system,
             coalesce(sum(rows_read), 0) as rows_read
      from quality.deliveries group by all
    )
    select q.export_date, q.source_system, q.reason, q.rows, q.files, q.still_open,
           delivered.rows_read
    from q left join delivered using (export_date, source_system)
    order by q.export_date desc, q.source_system, q.rows + q.files desc, q.reason
"""

RESEND = """
    select {system} as source_system, q.source_file as file, d.export_date, q.row_number,
           q.column_name, q.reason, q.quarantined_at
    from quality.quarantine q left join quality.deliveries d using (delivery_id)
    where {open}
    order by source_system, d.export_date, q.source_file, q.delivery_id,
             q.row_number nulls first, q.column_name, q.reason
"""

RESOLVED = """
    select {system} as source_system, q.source_file as file, d.export_date, q.row_number,
           q.column_name, q.reason, q.resolved_by_file, q.resolved_at
    from quality.quarantine q left join quality.deliveries d using (delivery_id)
    where q.resolved_at is not null
    order by q.resolved_at desc, q.source_file, q.row_number nulls first, q.column_name
    limit 200
"""

RECORDS = ("check_grid", "quarantine_nights", "resend", "resolved")


def _columns(con, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'quality' and table_name = ?",
        [table],
    ).fetchall()
    return {c for (c,) in rows}


def queries(columns: dict[str, set[str]]) -> dict[str, str]:
    """The SQL of each record the warehouse can answer (`columns`: quality table -> columns)."""
    runs, quarantine = columns.get("validation_runs", set()), columns.get("quarantine", set())
    out: dict[str, str] = {}
    if runs:
        out["check_grid"] = CHECK_GRID.format(
            message="v.message" if "message" in runs else "null",
            limit_value="v.limit_value" if "limit_value" in runs else "null",
        )
    if quarantine and columns.get("deliveries"):
        resolvable = "resolved_at" in quarantine
        values = {
            "system": SYSTEM.format(f="q.source_file"),
            "delivered_system": SYSTEM.format(f="source_file"),
            "open": "q.resolved_at is null" if resolvable else "true",
        }
        out["quarantine_nights"] = QUARANTINE_NIGHTS.format(**values)
        out["resend"] = RESEND.format(**values)
        if resolvable:
            out["resolved"] = RESOLVED.format(**values)
    return out


def load_quality_records(settings: Settings) -> dict[str, pd.DataFrame]:
    """Every record of RECORDS, as a frame (empty when the warehouse cannot answer it yet)."""
    frames = {name: pd.DataFrame() for name in RECORDS}
    if not settings.warehouse_path.exists():
        return frames
    with open_warehouse(settings, read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")  # quarantined_at and resolved_at read as UTC
        columns = {t: _columns(con, t) for t in ("validation_runs", "quarantine", "deliveries")}
        for name, sql in queries(columns).items():
            frames[name] = con.execute(sql).df()
    return frames
