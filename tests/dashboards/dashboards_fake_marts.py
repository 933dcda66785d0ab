"""A warehouse holding the documented mart and quality tables, with plausible random values.

Used while (or where) the real generate -> ingest -> dbt chain is not needed: participant-level
tables are simulated with numpy, the program-level marts are aggregated from them in DuckDB with
the documented columns (docs/architecture.md). The dashboard-facing marts (models/marts/site/) are
then built over them by dbt itself (`dbt build --select path:models/marts/site`: refs resolve to
the fake public marts), so the site reads the real models. Participant ids are real-looking
(p_ + 16 hex) so the no-id test means something.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from core.settings import Settings

SITE_MODELS = "path:models/marts/site"
TRACKS = ["medication_only", "medication_and_therapy", "therapy_only"]
SEXES = ["female", "male", "unknown"]
TYPES = ["intake", "prescriber", "therapy", "group", "peer_support"]


def participant_ids(n: int, rng: np.random.Generator) -> list[str]:
    return [f"p_{v:016x}" for v in rng.integers(0, 2**63, size=n, dtype=np.int64)]


def build_warehouse(path: Path, participants: int, as_of: dt.date, seed: int = 3) -> Path:
    rng = np.random.default_rng(seed)
    n = participants
    ids = participant_ids(n, rng)
    as_of_ts = pd.Timestamp(as_of)
    enrolled = as_of_ts - pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    started = rng.random(n) < 0.85
    care_start = enrolled + pd.to_timedelta(rng.integers(0, 15, n), unit="D")
    started &= care_start <= as_of_ts
    people = pd.DataFrame(
        {
            "participant_id": ids,
            "enrolled_on": enrolled.date,
            "enrolment_month": enrolled.strftime("%Y-%m"),
            "sex_at_birth": rng.choice(SEXES, n, p=[0.48, 0.48, 0.04]),
            "age_band": rng.choice(["18-24", "25-34", "35-44", "45-54", "55-64", "65+"], n),
            "state": rng.choice(["NY", "CA", "TX", "FL"], n),
            "care_track": rng.choice(TRACKS, n, p=[0.3, 0.5, 0.2]),
            "baseline_audit_c": rng.integers(3, 13, n),
            "discharged_on": pd.NaT,
            "discharge_reason": None,
            "care_start_date": pd.Series(care_start.date).where(started, None),
            "cohort_month": pd.Series(care_start.strftime("%Y-%m")).where(started, None),
            "started": started,
        }
    )
    s = people[people["started"]].copy()
    followed = (as_of_ts - pd.to_datetime(s["care_start_date"])).dt.days.to_numpy()
    length = rng.exponential(160, len(s)).astype(int)
    days = np.minimum(length, followed)
    dropped = (length < followed) & (followed - length > 30)
    status = np.where(
        dropped, "dropped_out", np.where(rng.random(len(s)) < 0.1, "completed", "in_care")
    )
    s["days_retained"] = days
    s["last_engaged_on"] = (
        pd.to_datetime(s["care_start_date"]) + pd.to_timedelta(days, "D")
    ).dt.date
    s["status"] = status
    s["dropped_out"] = status == "dropped_out"
    for h in (30, 90, 180):
        s[f"retained_{h}d"] = pd.Series(
            np.where(days >= h, True, np.where(s["dropped_out"], False, None)), index=s.index
        ).astype("boolean")
    retention = s[
        ["participant_id", "cohort_month", "care_track", "care_start_date", "last_engaged_on",
         "days_retained", "status", "dropped_out", "retained_30d", "retained_90d", "retained_180d"]
    ]  # fmt: skip

    monthly = []
    for pid, start, follow in zip(s["participant_id"], s["care_start_date"], followed, strict=True):
        base_dfd = rng.uniform(0.1, 0.6)
        for m in range(0, min(12, follow // 30 + 1) + 1):
            window = 30
            reported = int(rng.integers(10, 31))
            p = min(0.95, base_dfd + 0.05 * m)
            dfd = int(rng.binomial(reported, p))
            drinking = reported - dfd
            heavy = int(rng.binomial(drinking, 0.4))
            total = drinking * 3 + heavy * 3
            monthly.append((pid, m, start, window, reported, dfd, drinking, heavy, total))
    d = pd.DataFrame(
        monthly,
        columns=["participant_id", "treatment_month", "care_start_date", "window_days",
                 "reported_days", "drink_free_days", "drinking_days", "heavy_drinking_days",
                 "total_drinks"],
    )  # fmt: skip
    d["pct_drink_free_observed"] = d["drink_free_days"] / d["reported_days"]
    d["pct_drink_free_conservative"] = d["drink_free_days"] / d["window_days"]
    d["pct_heavy_observed"] = d["heavy_drinking_days"] / d["reported_days"]
    d["drinks_per_drinking_day"] = d["total_drinks"] / d["drinking_days"].replace(0, np.nan)
    d["report_coverage"] = d["reported_days"] / d["window_days"]
    d["grams_per_day"] = d["total_drinks"] * 14 / d["reported_days"]
    d["risk_level"] = np.digitize(d["grams_per_day"], [1e-9, 20, 40, 60])
    d["medication_reported_days"] = d["reported_days"]
    d["medication_days"] = (d["reported_days"] * rng.uniform(0.4, 1, len(d))).astype(int)
    d["mean_craving_score"] = rng.uniform(1, 7, len(d))
    d["craving_reported_days"] = d["reported_days"]
    d["month_elapsed"] = True
    d = d.drop(columns=["care_start_date"]).merge(
        people[["participant_id", "cohort_month", "care_track", "sex_at_birth"]],
        on="participant_id",
    )

    appts = []
    for month in pd.period_range(as_of_ts - pd.Timedelta(days=365), as_of_ts, freq="M"):
        for t in TYPES:
            scale = max(n // 40, 1)
            attended = int(rng.poisson(scale * 3))
            noshow = int(rng.poisson(scale * 0.4))
            cancelled = int(rng.poisson(scale * 0.5))
            unresolved = int(rng.poisson(1))
            appts.append(
                (str(month), t, attended + noshow + cancelled + unresolved, attended, noshow,
                 cancelled, cancelled // 2, unresolved,
                 attended / (attended + noshow) if attended + noshow else None)
            )  # fmt: skip
    appointments = pd.DataFrame(
        appts,
        columns=["month", "appointment_type", "scheduled", "attended", "noshow", "cancelled",
                 "cancelled_by_patient", "unresolved", "attendance_rate"],
    )  # fmt: skip

    deliveries = pd.DataFrame(
        [
            (i, f"app/checkins_{(as_of_ts - pd.Timedelta(days=i)).strftime('%Y%m%d')}.csv",
             "checkins", (as_of_ts - pd.Timedelta(days=i)).date(), "csv", 1000, "x" * 64,
             "loaded", 500, 495, 5, 0, False, as_of_ts - pd.Timedelta(days=i))
            for i in range(5)
        ],
        columns=["delivery_id", "source_file", "entity", "export_date", "file_format", "bytes",
                 "sha256", "status", "rows_read", "rows_loaded", "rows_quarantined",
                 "rows_withdrawn", "redelivery", "loaded_at"],
    )  # fmt: skip
    quarantine = pd.DataFrame(
        [
            (1, "app/checkins_20261101.csv", 4, "standard_drinks", "above maximum 60", ids[0],
             None, as_of_ts)
        ]
        * 3,
        columns=["delivery_id", "source_file", "row_number", "column_name", "reason",
                 "participant_id", "record", "quarantined_at"],
    )  # fmt: skip
    validation = pd.DataFrame(
        [
            (f"run{r}", as_of_ts - pd.Timedelta(days=3 - r), as_of, "marts", f"exp_{e}",
             "critical" if e < 3 else "warning", not (r == 1 and e == 4), "ok")
            for r in range(3)
            for e in range(6)
        ],
        columns=["run_id", "run_at", "as_of_date", "suite", "expectation", "severity", "success",
                 "observed_value"],
    )  # fmt: skip

    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts; create schema if not exists quality")
        for name, frame in {
            "marts.participants": people,
            "marts.participant_retention": retention,
            "marts.participant_drinking_monthly": d,
            "marts.appointment_attendance_monthly": appointments,
            "quality.deliveries": deliveries,
            "quality.quarantine": quarantine,
            "quality.validation_runs": validation,
        }.items():
            con.register("frame", frame)
            con.execute(f"create or replace table {name} as select * from frame")
            con.unregister("frame")
        con.execute(AGGREGATES, [as_of])
        _km(con)
    build_site_marts(path, as_of)
    return path


def site_settings(warehouse: Path, as_of: dt.date) -> Settings:
    """The settings dbt builds with: its target (manifest.json) under the warehouse's folder."""
    return Settings(data_dir=warehouse.parent, warehouse=warehouse, as_of=as_of)


def build_site_marts(warehouse: Path, as_of: dt.date) -> None:
    """The real site marts, and their tests, over the fake public marts."""
    from engines.dbt_runner import run_dbt

    run_dbt(site_settings(warehouse, as_of), ["build", "--select", SITE_MODELS])


def manifest_of(warehouse: Path) -> Path:
    return site_settings(warehouse, dt.date(2000, 1, 1)).dbt_target_dir / "manifest.json"


AGGREGATES = """
create or replace table marts.participant_outcomes as
select r.participant_id, r.cohort_month, r.care_track, p.sex_at_birth,
       max(d.treatment_month) >= 3 as month3_elapsed,
       case when max(d.treatment_month) >= 3 then
            coalesce(sum(d.heavy_drinking_days) filter (where d.treatment_month in (2, 3)), 0) = 0
       end as no_heavy_drinking_months_2_3,
       max(d.risk_level) filter (where d.treatment_month = 0) as baseline_risk_level,
       max(d.treatment_month) as last_elapsed_month,
       arg_max(d.risk_level, d.treatment_month) as last_elapsed_risk_level,
       baseline_risk_level - last_elapsed_risk_level as risk_level_reduction,
       case when baseline_risk_level >= 1 then risk_level_reduction >= 1 end
           as risk_reduction_1_level,
       case when baseline_risk_level >= 2 then risk_level_reduction >= 2 end
           as risk_reduction_2_level
from marts.participant_retention r
join marts.participants p using (participant_id)
left join marts.participant_drinking_monthly d using (participant_id)
group by all;

create or replace table marts.program_outcomes_monthly as
select coalesce(r.cohort_month, 'all') as cohort_month, coalesce(r.care_track, 'all') as care_track,
       coalesce(p.sex_at_birth, 'all') as sex_at_birth, d.treatment_month,
       count(*) as participants,
       count(*) filter (where reported_days > 0) as participants_reporting,
       avg(pct_drink_free_observed) * 30 as mean_drink_free_days_per_30,
       median(pct_drink_free_observed) * 30 as median_drink_free_days_per_30,
       avg(pct_drink_free_conservative) * 30 as mean_drink_free_days_per_30_conservative,
       avg(pct_heavy_observed) * 30 as mean_heavy_days_per_30,
       avg(report_coverage) as mean_report_coverage,
       count(*) as participants_medication_reported,
       avg(medication_days / medication_reported_days) as mean_medication_rate,
       count(*) as participants_craving_reported, avg(d.mean_craving_score) as mean_craving_score
from marts.participant_drinking_monthly d
join marts.participant_retention r using (participant_id)
join marts.participants p using (participant_id)
group by grouping sets ((d.treatment_month), (d.treatment_month, r.cohort_month),
    (d.treatment_month, r.care_track), (d.treatment_month, p.sex_at_birth),
    (d.treatment_month, r.care_track, p.sex_at_birth));

create or replace table marts.program_outcomes as
select coalesce(cohort_month, 'all') as cohort_month, coalesce(care_track, 'all') as care_track,
       coalesce(sex_at_birth, 'all') as sex_at_birth, count(*) as participants_started,
       count(no_heavy_drinking_months_2_3) as nhdd_eligible,
       count(*) filter (where no_heavy_drinking_months_2_3) as nhdd_responders,
       nhdd_responders / nullif(nhdd_eligible, 0) as nhdd_rate,
       count(risk_reduction_1_level) as risk1_eligible,
       count(*) filter (where risk_reduction_1_level) as risk1_responders,
       risk1_responders / nullif(risk1_eligible, 0) as risk1_rate,
       count(risk_reduction_2_level) as risk2_eligible,
       count(*) filter (where risk_reduction_2_level) as risk2_responders,
       risk2_responders / nullif(risk2_eligible, 0) as risk2_rate
from marts.participant_outcomes
group by grouping sets ((), (cohort_month), (care_track), (sex_at_birth),
    (care_track, sex_at_birth));

create or replace table marts.enrolment_funnel as
select coalesce(p.enrolment_month, 'all') as enrolment_month,
       coalesce(p.care_track, 'all') as care_track, count(*) as enrolled,
       count(*) filter (where p.started) as started,
       count(r.retained_30d) as retained_30d_known,
       count(*) filter (where r.retained_30d) as retained_30d,
       count(r.retained_90d) as retained_90d_known,
       count(*) filter (where r.retained_90d) as retained_90d,
       count(r.retained_180d) as retained_180d_known,
       count(*) filter (where r.retained_180d) as retained_180d
from marts.participants p left join marts.participant_retention r using (participant_id)
group by grouping sets ((), (p.enrolment_month), (p.care_track), (p.enrolment_month, p.care_track));

create or replace table marts.checkin_coverage_monthly as
select strftime(m, '%Y-%m') as calendar_month, count(*) as participants_in_care,
       count(*) * 30 as participant_days, count(*) * 22 as reported_days, 22 / 30 as coverage
from marts.participant_retention r,
     range(date_trunc('month', r.care_start_date), ?::date, interval 1 month) t(m)
group by all;
"""


def _km(con: duckdb.DuckDBPyConnection) -> None:
    r = con.execute(
        "select cohort_month, care_track, days_retained, dropped_out "
        "from marts.participant_retention"
    ).df()

    def curve(frame: pd.DataFrame) -> pd.DataFrame:
        rows = []
        surv = 1.0
        days = sorted({0, *frame["days_retained"].tolist()})
        for t in days:
            at_risk = int((frame["days_retained"] >= t).sum())
            at = frame[frame["days_retained"] == t]
            events = int(at["dropped_out"].sum())
            if at_risk:
                surv *= 1 - events / at_risk
            rows.append((t, at_risk, events, len(at) - events, surv))
        return pd.DataFrame(rows, columns=["day", "at_risk", "dropouts", "censored", "retention"])

    by_cohort = [curve(r).assign(cohort="all")]
    by_cohort += [curve(g).assign(cohort=c) for c, g in r.groupby("cohort_month")]
    by_track = [curve(g).assign(care_track=c) for c, g in r.groupby("care_track")]
    for name, frames in (
        ("marts.retention_curve", by_cohort),
        ("marts.retention_curve_by_care_track", by_track),
    ):
        con.register("frame", pd.concat(frames, ignore_index=True))
        con.execute(f"create or replace table {name} as select * from frame")
        con.unregister("frame")
