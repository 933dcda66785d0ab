"""Every number the site shows, aggregated in DuckDB from the marts and quality tables.

No query here returns participant-level rows: each groups by program-level keys only, so the site
can never carry a participant id, and a 100k-participant warehouse reads in well under a second.
Tables that do not exist yet (a first run, quality tables not written) come back empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from core.engine import PUBLIC_SCHEMA, Engine
from core.settings import Settings
from core.warehouse import open_warehouse

# Groups the drinking and engagement charts can be filtered by (program_outcomes* grain).
GROUP_SQL = """
    case when care_track = 'all' and sex_at_birth = 'all' then 'All participants'
         when sex_at_birth = 'all' then 'Care track: ' || care_track
         else 'Sex: ' || sex_at_birth end
"""
GROUP_FILTER = "cohort_month = 'all' and (care_track = 'all' or sex_at_birth = 'all')"

QUERIES: dict[str, tuple[tuple[str, ...], str]] = {
    # name: (tables it needs, SQL)
    "in_care": (
        ("marts.participant_retention",),
        """select count(*) filter (where status = 'in_care') as in_care,
                  count(*) as started
           from marts.participant_retention""",
    ),
    "enrolled": (
        ("marts.participants",),
        "select count(*) as enrolled from marts.participants",
    ),
    "retention_curve": (
        ("marts.retention_curve",),
        """select cohort as grp, day, at_risk, dropouts, censored, retention
           from marts.retention_curve order by cohort, day""",
    ),
    "retention_curve_track": (
        ("marts.retention_curve_by_care_track",),
        """select care_track as grp, day, at_risk, dropouts, censored, retention
           from marts.retention_curve_by_care_track order by care_track, day""",
    ),
    "retention_heat": (
        ("marts.participant_retention",),
        """select coalesce(care_track, 'all') as care_track, cohort_month,
                  count(retained_30d) as known_30, count(*) filter (where retained_30d) as ret_30,
                  count(retained_90d) as known_90, count(*) filter (where retained_90d) as ret_90,
                  count(retained_180d) as known_180,
                  count(*) filter (where retained_180d) as ret_180
           from marts.participant_retention
           group by grouping sets ((care_track, cohort_month), (cohort_month))
           order by 1, 2""",
    ),
    "funnel": (
        ("marts.enrolment_funnel",),
        """select care_track, enrolled, started, retained_30d, retained_30d_known,
                  retained_90d, retained_90d_known, retained_180d, retained_180d_known
           from marts.enrolment_funnel where enrolment_month = 'all' order by care_track""",
    ),
    "outcomes_monthly": (
        ("marts.program_outcomes_monthly",),
        f"""select {GROUP_SQL} as grp, treatment_month, participants, participants_reporting,
                  mean_drink_free_days_per_30, mean_drink_free_days_per_30_conservative,
                  mean_heavy_days_per_30, participants_medication_reported, mean_medication_rate,
                  participants_craving_reported, mean_craving_score
           from marts.program_outcomes_monthly where {GROUP_FILTER}
           order by grp, treatment_month""",
    ),
    # Baseline against month 3 for the same participants (paired), so the change is not a
    # change in who reports.
    "baseline_m3": (
        ("marts.participant_drinking_monthly", "marts.participants"),
        """with paired as (
               select p.care_track, p.sex_at_birth,
                      max(d.pct_drink_free_observed) filter (where d.treatment_month = 0) * 30
                          as base,
                      max(d.pct_drink_free_observed) filter (where d.treatment_month = 3) * 30
                          as m3
               from marts.participant_drinking_monthly d
               join marts.participants p using (participant_id)
               where d.treatment_month in (0, 3)
               group by d.participant_id, p.care_track, p.sex_at_birth
               having base is not null and m3 is not null)
           select case when care_track is null and sex_at_birth is null then 'All participants'
                       when sex_at_birth is null then 'Care track: ' || care_track
                       else 'Sex: ' || sex_at_birth end as grp,
                  count(*) as participants, avg(base) as baseline_dfd30, avg(m3) as month3_dfd30
           from paired
           group by grouping sets ((), (care_track), (sex_at_birth))
           order by grp""",
    ),
    "program_outcomes": (
        ("marts.program_outcomes",),
        f"""select {GROUP_SQL} as grp, participants_started, nhdd_eligible, nhdd_responders,
                  nhdd_rate, risk1_eligible, risk1_responders, risk1_rate,
                  risk2_eligible, risk2_responders, risk2_rate
           from marts.program_outcomes where {GROUP_FILTER} order by grp""",
    ),
    "risk_shift": (
        ("marts.participant_outcomes",),
        """select baseline_risk_level, last_elapsed_risk_level, count(*) as participants
           from marts.participant_outcomes
           where baseline_risk_level is not null and last_elapsed_risk_level is not null
           group by all order by all""",
    ),
    "appointments": (
        ("marts.appointment_attendance_monthly",),
        """select month, appointment_type, scheduled, attended, noshow, cancelled,
                  cancelled_by_patient, unresolved
           from marts.appointment_attendance_monthly order by month, appointment_type""",
    ),
    "coverage": (
        ("marts.checkin_coverage_monthly",),
        """select calendar_month as month, participants_in_care, participant_days, reported_days,
                  coverage
           from marts.checkin_coverage_monthly order by month""",
    ),
    "deliveries": (
        ("quality.deliveries",),
        """select export_date, entity, source_file, status, redelivery,
                  coalesce(rows_loaded, 0) as rows_loaded,
                  coalesce(rows_quarantined, 0) as rows_quarantined, loaded_at
           from quality.deliveries order by export_date, source_file""",
    ),
    "quarantine": (
        ("quality.quarantine",),
        """select split_part(source_file, '/', -1) as source_file,
                  coalesce(column_name, '(whole file)') as column_name,
                  reason, count(*) as rows
           from quality.quarantine group by all order by rows desc, source_file limit 200""",
    ),
    "validation_runs": (
        ("quality.validation_runs",),
        """select run_id, max(run_at) as run_at, any_value(as_of_date) as as_of_date,
                  count(*) as evaluated, count(*) filter (where success) as passed,
                  count(*) filter (where not success and severity = 'critical')
                      as critical_failed,
                  count(*) filter (where not success and severity <> 'critical')
                      as warnings_failed,
                  string_agg(suite || ': ' || expectation, '; ')
                      filter (where not success) as failed_expectations
           from quality.validation_runs group by run_id order by run_at""",
    ),
}


@dataclass
class SiteData:
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)  # query -> missing tables

    def get(self, name: str) -> pd.DataFrame:
        return self.frames.get(name, pd.DataFrame())


def load_site_data(settings: Settings, engine: Engine) -> SiteData:
    """Every query: the marts through the engine, quality.* from the DuckDB warehouse (where
    ingestion and validation keep them on every engine)."""
    data = SiteData()
    marts = {f"{PUBLIC_SCHEMA}.{t}" for t in engine.tables(PUBLIC_SCHEMA)}
    quality: set[str] = set()
    if settings.warehouse_path.exists():
        with open_warehouse(settings, read_only=True) as con:
            quality = {
                f"quality.{t}"
                for (t,) in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_schema = 'quality'"
                ).fetchall()
            }
    for name, (needs, sql) in QUERIES.items():
        absent = [t for t in needs if t not in marts | quality]
        if absent:
            data.missing[name] = absent
        elif all(t.startswith(f"{PUBLIC_SCHEMA}.") for t in needs):
            data.frames[name] = engine.read_frame(sql)
        else:
            with open_warehouse(settings, read_only=True) as con:
                data.frames[name] = con.execute(sql).df()
    return data
