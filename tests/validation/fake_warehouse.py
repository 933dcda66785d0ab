"""A warehouse built in SQL with the documented landing, quality, staging, intermediate and mart
columns.

Consistent by construction (every gate rule holds), so tests can break one thing at a time, and
fast enough to build at the benchmark's scale (100,000 participants, ~900,000 drinking-month rows)
for the timing test. Deliveries 1-3 are the history; 4-6 are "tonight's" small deltas.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core.warehouse import connect
from flows.ingest.schema import ensure_schema

TONIGHT = [4, 5, 6]

_SQL = """
create schema if not exists staging;
create schema if not exists marts;

insert into quality.deliveries
select id, sys || '/' || entity || '_' || strftime(export_date, '%Y%m%d') || '.csv', entity,
       export_date, 'csv', 1000, 'sha', 'loaded', rows, rows, 0, 0, false, now()
from (values
    (1, 'app', 'participants', $as_of::DATE - 1, $n),
    (2, 'app', 'checkins', $as_of::DATE - 1, $n * 20),
    (3, 'scheduling', 'appointments', $as_of::DATE - 1, $n * 4),
    (4, 'app', 'participants', $as_of::DATE, $n // 100),
    (5, 'app', 'checkins', $as_of::DATE, $n),
    (6, 'scheduling', 'appointments', $as_of::DATE, 0)
) t(id, sys, entity, export_date, rows);

create temp table people as
select i,
       'p_' || lpad(printf('%x', i), 16, '0') as participant_id,
       $as_of::DATE - 330 + (i % 60)::INTEGER as enrolled_on,
       (['female', 'male', 'unknown'])[1 + i % 3] as sex_at_birth,
       (['18-24', '25-34', '35-44', '45-54', '55-64', '65+'])[1 + i % 6] as age_band,
       (['NY', 'CA', 'TX'])[1 + i % 3] as state,
       (['medication_only', 'medication_and_therapy', 'therapy_only'])[1 + i % 3] as care_track,
       i % 13 as baseline_audit_c,
       i % 10 != 0 as started
from range(1, $n + 1) r(i);

insert into landing.participants
select participant_id, enrolled_on, sex_at_birth, age_band, state, care_track, baseline_audit_c,
       null, null, true, now(),
       case when i % 100 = 0 then 4 else 1 end,
       case when i % 100 = 0 then 'app/participants_tonight.csv' else 'app/p.csv' end,
       $as_of::DATE - 1, i, now()
from people;

-- History: 20 report days per participant in delivery 2; tonight: yesterday's check-in.
insert into landing.checkins
select participant_id || '-' || d, participant_id, $as_of::DATE - d::INTEGER, now(),
       case when (i + d) % 10 = 0 then null else (i * d) % 7 end, (i + d) % 11, (i + d) % 2 = 0,
       case when d = 1 then 5 else 2 end, 'app/c.csv', $as_of::DATE - 1, i, now()
from people, range(1, 21) r(d);

insert into landing.appointments
select participant_id || '-a' || k, participant_id,
       (['intake', 'prescriber', 'therapy', 'group', 'peer_support'])[1 + k % 5],
       (enrolled_on + 3 + 14 * k::INTEGER)::TIMESTAMP + interval 15 hour,
       30, (['fulfilled', 'noshow', 'cancelled', 'booked', 'arrived'])[1 + (i + k) % 5],
       case when (i + k) % 5 = 2 then 'patient' end, 'video', now(),
       3, 's/a.csv', $as_of::DATE - 1, i, now()
from people, range(0, 4) r(k);

-- dbt's staging and intermediate relations the gate reads, as plain views over landing (so a
-- test that changes landing changes them, as a rebuild would): staging holds the latest version
-- of each record (row_number in a subquery, as dbt's default latest pick), intermediate applies
-- the as-of date, consent, entered-in-error and attended rules.
create view staging.stg_app__participants as
select participant_id, enrolled_on, sex_at_birth, age_band, state, care_track, baseline_audit_c,
       discharged_on, discharge_reason, data_sharing_consent, updated_at,
       _export_date as export_date
from (
    select *, row_number() over (
        partition by participant_id
        order by updated_at desc, _export_date desc, _delivery_id desc, _row_number desc
    ) as version_rank
    from landing.participants
) where version_rank = 1;

create view staging.stg_app__checkins as
select checkin_id, participant_id, report_date, submitted_at, standard_drinks, craving_score,
       took_medication, _export_date as export_date, _delivery_id as delivery_id
from (
    select *, row_number() over (
        partition by checkin_id order by _export_date desc, _delivery_id desc, _row_number desc
    ) as version_rank
    from landing.checkins
) where version_rank = 1;

create view staging.stg_scheduling__appointments as
select appointment_id, participant_id, appointment_type, scheduled_start,
       cast(timezone('America/New_York', scheduled_start) as date) as scheduled_date,
       status, cancelled_by
from (
    select *, row_number() over (
        partition by appointment_id
        order by updated_at desc, _export_date desc, _delivery_id desc, _row_number desc
    ) as version_rank
    from landing.appointments
) where version_rank = 1;

create schema if not exists intermediate;

create view intermediate.int_participants_enrolled as
select participant_id, enrolled_on, sex_at_birth, age_band, state, care_track, baseline_audit_c,
       discharged_on, discharge_reason
from staging.stg_app__participants
where data_sharing_consent and enrolled_on <= @as_of_date;

create view intermediate.int_appointments_as_of as
select a.appointment_id, a.participant_id, a.appointment_type, a.scheduled_date, a.status,
       a.status in ('fulfilled', 'arrived', 'checked-in') as is_attended, a.cancelled_by
from staging.stg_scheduling__appointments a
join intermediate.int_participants_enrolled p using (participant_id)
where a.status != 'entered-in-error' and a.scheduled_date <= @as_of_date;

create table marts.participants as
select participant_id, enrolled_on, strftime(enrolled_on, '%Y-%m') as enrolment_month,
       sex_at_birth, age_band, state, care_track, baseline_audit_c,
       null::DATE as discharged_on, null::VARCHAR as discharge_reason,
       case when started then enrolled_on + 3 end as care_start_date,
       case when started then strftime(enrolled_on + 3, '%Y-%m') end as cohort_month, started
from people;

create table marts.participant_retention as
select participant_id, cohort_month, care_track, care_start_date,
       care_start_date + (i % 150)::INTEGER as last_engaged_on, i % 150 as days_retained,
       case when i % 3 = 0 then 'dropped_out' else 'in_care' end as status,
       i % 3 = 0 as dropped_out, i % 150 >= 30 as retained_30d, i % 150 >= 90 as retained_90d,
       null::BOOLEAN as retained_180d
from marts.participants join people using (participant_id, care_track) where people.started;

create table marts.retention_curve as
select 'all' as cohort, day, 1000 - day as at_risk, 1 as dropouts, 0 as censored,
       1.0 - day / 300.0 as retention
from range(0, 150) r(day);

create table marts.participant_drinking_monthly as
select participant_id, m as treatment_month, 30 as window_days, 20 + i % 10 as reported_days,
       20 + i % 10 - i % 8 as drink_free_days, i % 8 as drinking_days,
       (i % 8) // 2 as heavy_drinking_days, 3 * (i % 8) as total_drinks,
       (20 + i % 10 - i % 8) / (20 + i % 10) as pct_drink_free_observed,
       (20 + i % 10 - i % 8) / 30 as pct_drink_free_conservative,
       ((i % 8) // 2) / (20 + i % 10) as pct_heavy_observed,
       case when i % 8 > 0 then 3.0 end as drinks_per_drinking_day,
       (20 + i % 10) / 30 as report_coverage
from people, range(0, 10) r(m) where started;

create table marts.appointment_attendance_monthly as
select strftime(scheduled_date, '%Y-%m') as month, appointment_type, count(*) as scheduled,
       count(*) filter (where is_attended) as attended,
       count(*) filter (where status = 'noshow') as noshow,
       count(*) filter (where status = 'cancelled') as cancelled,
       count(*) filter (where cancelled_by = 'patient') as cancelled_by_patient,
       count(*) filter (where status = 'booked' and scheduled_date < $as_of) as unresolved,
       count(*) filter (where is_attended)
           / nullif(count(*) filter (where is_attended or status = 'noshow'), 0)
           as attendance_rate
from intermediate.int_appointments_as_of
group by all;

insert into quality.quarantine (delivery_id, source_file, row_number, column_name, reason,
                               participant_id, record, quarantined_at) values
    (5, 'app/checkins_tonight.csv', 7, 'standard_drinks', 'out of range 0..60', null, null, now()),
    (5, 'app/checkins_tonight.csv', 9, 'standard_drinks', 'out of range 0..60', null, null, now()),
    (1, 'app/old.csv', null, null, 'unparseable file', null, null, now());
"""


def build_fake_warehouse(path: Path, participants: int, as_of: dt.date) -> Path:
    with connect(path) as con:
        ensure_schema(con)
        # Views take no parameters: the as-of date goes into them as a literal.
        script = _SQL.replace("@as_of_date", f"date '{as_of.isoformat()}'")
        for statement in script.split(";\n"):
            if statement.strip():
                params = {
                    k: v
                    for k, v in {"as_of": as_of, "n": participants}.items()
                    if f"${k}" in statement
                }
                con.execute(statement, params)
    return path
