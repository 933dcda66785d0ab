"""Great Expectations on Spark DataFrames: the marts suites of expectations/suites.py, unchanged,
evaluated over frames that Spark computes from the Spark-built marts (issue 8).

The frames are the same small summaries expectations/frames.py reduces in DuckDB (per-group
extremes, counts of offending rows), written here in Spark SQL, so the same expectations with the
same parameters decide. The delivery suites stay on DuckDB: ingestion (contract checks,
quarantine, consent purge) runs there on both engines.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.contract import ATTENDED_STATUSES
from core.settings import Settings
from engines.spark_engine import spark_paths
from expectations.frames import DRINKING_MEASURES, local_day_end
from expectations.history import Outcome
from expectations.suites import SUITES_BY_NAME
from expectations.thresholds import suite_parameters

DATASOURCE = "spark_frames"
BATCH_DEFINITION = "whole frame"

SPARK_SUITES = (
    "marts_participant_retention",
    "marts_retention_curve",
    "marts_participant_drinking_monthly",
    "marts_appointment_attendance_monthly",
    "marts_reconciliation",
    "checkin_freshness",
)


def mart_frame_sql(
    schema: str, as_of: dt.date, timezone: str, landing: dict[str, str]
) -> dict[str, str]:
    """Spark SQL of each suite's frame (the queries of expectations/frames.py, Spark dialect).

    landing maps an entity to the relation Spark reads it from.
    """
    as_of_sql = f"cast('{as_of.isoformat()}' as date)"
    # The session time zone is UTC (profiles.yml), so a UTC wall-clock literal is the instant.
    day_end = local_day_end(as_of, timezone).astimezone(dt.UTC)
    day_end_sql = f"cast('{day_end:%Y-%m-%d %H:%M:%S}' as timestamp)"
    attended = ", ".join(f"'{s}'" for s in ATTENDED_STATUSES)
    appointments_relation = landing["appointments"]
    drinking = ",\n".join(
        f"min(cast(({expr}) as double)) as {name}_min, max(cast(({expr}) as double)) as {name}_max"
        for name, expr in DRINKING_MEASURES
    )
    return {
        "marts_participant_retention": f"""
            with checked as (
                select status, participant_id is null as missing_id, days_retained,
                       datediff(last_engaged_on, care_start_date) - days_retained
                           as days_retained_mismatch,
                       case when dropped_out = (status = 'dropped_out') then 0 else 1 end
                           as dropped_out_mismatch
                from {schema}.participant_retention
            )
            select status, cast(count(*) as double) as rows,
                   cast(count(*) filter (where missing_id) as double) as missing_participant_ids,
                   cast(min(days_retained) as double) as days_retained_min,
                   cast(min(days_retained_mismatch) as double) as days_retained_mismatch_min,
                   cast(max(days_retained_mismatch) as double) as days_retained_mismatch_max,
                   cast(max(dropped_out_mismatch) as double) as dropped_out_mismatch_max
            from checked group by status""",
        "marts_retention_curve": f"""
            select cohort, cast(day as double) as day, cast(retention as double) as retention,
                   cast(retention - lag(retention) over (partition by cohort order by day)
                        as double) as retention_increase,
                   cast(dropouts + censored - at_risk as double) as at_risk_shortfall
            from {schema}.retention_curve""",
        "marts_participant_drinking_monthly": f"""
            select treatment_month as month_group, cast(count(*) as double) as rows, {drinking}
            from {schema}.participant_drinking_monthly
            group by treatment_month""",
        "marts_appointment_attendance_monthly": f"""
            select month, appointment_type, cast(attendance_rate as double) as attendance_rate,
                   cast(scheduled - attended - noshow - cancelled - unresolved as double)
                       as unaccounted,
                   cast(cancelled_by_patient - cancelled as double)
                       as patient_cancellations_over_cancelled
            from {schema}.appointment_attendance_monthly""",
        "marts_reconciliation": f"""
            with started as (
                select distinct participant_id from {schema}.participants where started
            ),
            retained as (
                select participant_id, count(*) as n
                from {schema}.participant_retention group by participant_id
            ),
            -- Appointment totals derived from landing by the contract's rule, independently of
            -- dbt's models (as expectations/frames.reconciliation does).
            ranked as (
                select status, scheduled_start,
                       row_number() over (
                           partition by appointment_id
                           order by updated_at desc, _export_date desc, _delivery_id desc,
                                    _row_number desc
                       ) as version_rank
                from {appointments_relation}
            ),
            appts as (
                select count(*) as scheduled,
                       count(*) filter (where status in ({attended})) as attended
                from ranked
                where version_rank = 1 and status != 'entered-in-error'
                    and scheduled_start < {day_end_sql}
            ),
            mart as (
                select coalesce(sum(scheduled), 0) as scheduled,
                       coalesce(sum(attended), 0) as attended
                from {schema}.appointment_attendance_monthly
            ),
            started_missing as (
                select count(*) as n from started s left anti join retained r using (participant_id)
            ),
            not_started as (
                select count(*) as n from retained r left anti join started s using (participant_id)
            ),
            duplicates as (select coalesce(sum(n - 1), 0) as n from retained where n > 1)
            select
                cast(started_missing.n as double) as started_missing_from_retention,
                cast(not_started.n as double) as retention_rows_not_started,
                cast(duplicates.n as double) as duplicate_retention_rows,
                cast(mart.scheduled - appts.scheduled as double) as scheduled_total_difference,
                cast(mart.attended - appts.attended as double) as attended_total_difference
            from started_missing, not_started, duplicates, mart, appts""",
        "checkin_freshness": f"""
            select max(report_date) as newest_report_date,
                   cast(datediff({as_of_sql}, max(report_date)) as double)
                       as days_since_newest_report
            from {landing["checkins"]} where report_date <= {as_of_sql}""",
    }


def spark_frames(session: Any, settings: Settings, schema: str = "marts") -> dict[str, Any]:
    """Each Spark suite's frame as a Spark DataFrame (lazy; GX triggers the computation)."""
    folder = spark_paths(settings).landing
    landing = {name: f"parquet.`{folder / name}`" for name in ("checkins", "appointments")}
    queries = mart_frame_sql(schema, settings.resolved_as_of(), settings.timezone, landing)
    return {name: session.sql(sql) for name, sql in queries.items()}


def validate_spark_frames(
    frames: dict[str, Any], settings: Settings, kind: str = "spark"
) -> list[Outcome]:
    """Run the named suites over the frames in an ephemeral GX context; every outcome.

    kind "spark" takes Spark DataFrames; "pandas" the DuckDB engine's frames, for comparison.
    """
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from expectations.gate import outcome_of
    from expectations.project import RESULT_FORMAT, _gx_expectation

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    add = {"spark": context.data_sources.add_spark, "pandas": context.data_sources.add_pandas}
    datasource = add[kind](DATASOURCE)
    parameters = suite_parameters(settings)
    outcomes: list[Outcome] = []
    for name, frame in frames.items():
        suite = SUITES_BY_NAME[name]
        batch_definition = datasource.add_dataframe_asset(
            name
        ).add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        gx_suite = context.suites.add(
            gx.ExpectationSuite(name=name, expectations=[_gx_expectation(c) for c in suite.checks])
        )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=gx_suite)
        )
        result = definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=parameters,
            result_format=RESULT_FORMAT,
        )
        outcomes += [outcome_of(name, r) for r in result.results]
    return outcomes
