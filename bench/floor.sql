-- The benchmark's floor: the four public tables computed by plain DuckDB SQL straight from the
-- export files, written by hand from ../shared/METRICS.md and ../shared/EXPORTS.md (not from the
-- dbt models), so `make bench` can check the pipeline's figures against an independent reading
-- and measure what the architecture costs on top of the engine.
--
-- bench/run.py prepends the parameters from core.settings.Settings as `set variable` statements:
--   exports (drop folder), as_of (date), program_timezone, retention_gap_days, outcome_months,
--   heavy_threshold_female, heavy_threshold_male, heavy_threshold_unknown.
--
-- Not reimplemented (the bench's generated files never trigger them): the row-level type and
-- enumeration checks, identifier screening, changed check-ins and file-level quarantine of
-- EXPORTS.md. The rules that change figures on valid files are all here.

select case when getvariable('as_of') is null or getvariable('exports') is null
    or getvariable('program_timezone') is null or getvariable('retention_gap_days') is null
    or getvariable('outcome_months') is null or getvariable('heavy_threshold_female') is null
    or getvariable('heavy_threshold_male') is null or getvariable('heavy_threshold_unknown') is null
    then error('floor.sql: run it through bench/run.py, which sets its parameters') end;

-- Timestamps carry their offsets; comparing them never depends on the session zone, but casts
-- between timestamp and timestamptz do, so pin it.
set TimeZone = 'UTC';

create schema if not exists landing;
create schema if not exists work;
create schema if not exists marts;


-- =================================================================================================
-- 1. Every delivered row, typed (EXPORTS.md "Drop folder")
-- =================================================================================================
-- "<ext> is csv, jsonl or parquet. The same entity may arrive in different formats on different
-- nights." CSV and JSONL are read as text and cast; Parquet is typed already.
-- "YYYYMMDD is the export date." Each row keeps its file and export date for the tie-breaks.
-- The landing tables are filled in file order (insertion order is preserved), so rowid orders the
-- rows within a file: "then the later row in that file".

create table landing.participants as
with files as (
    select * from read_csv(
        getvariable('exports') || '/app/participants_*.csv',
        all_varchar = true, header = true, filename = true
    )
    union all by name
    select * from read_json(
        getvariable('exports') || '/app/participants_*.jsonl',
        format = 'newline_delimited', filename = true,
        columns = {
            participant_id: 'VARCHAR', enrolled_on: 'VARCHAR', sex_at_birth: 'VARCHAR',
            age_band: 'VARCHAR', state: 'VARCHAR', care_track: 'VARCHAR',
            baseline_audit_c: 'VARCHAR', discharged_on: 'VARCHAR', discharge_reason: 'VARCHAR',
            data_sharing_consent: 'VARCHAR', updated_at: 'VARCHAR'
        }
    )
    union all by name
    select * from read_parquet(
        getvariable('exports') || '/app/participants_*.parquet',
        filename = true, union_by_name = true
    )
)
select
    cast(participant_id as varchar) as participant_id,
    cast(enrolled_on as date) as enrolled_on,
    cast(sex_at_birth as varchar) as sex_at_birth,
    cast(care_track as varchar) as care_track,
    cast(discharged_on as date) as discharged_on,
    cast(discharge_reason as varchar) as discharge_reason,
    cast(data_sharing_consent as boolean) as data_sharing_consent,
    cast(updated_at as timestamptz) as updated_at,
    filename,
    strptime(regexp_extract(filename, '_(\d{8})\.[a-z]+$', 1), '%Y%m%d')::date as export_date
from files;

create table landing.appointments as
with files as (
    select * from read_csv(
        getvariable('exports') || '/scheduling/appointments_*.csv',
        all_varchar = true, header = true, filename = true
    )
    union all by name
    select * from read_json(
        getvariable('exports') || '/scheduling/appointments_*.jsonl',
        format = 'newline_delimited', filename = true,
        columns = {
            appointment_id: 'VARCHAR', participant_id: 'VARCHAR', appointment_type: 'VARCHAR',
            scheduled_start: 'VARCHAR', duration_minutes: 'VARCHAR', status: 'VARCHAR',
            cancelled_by: 'VARCHAR', modality: 'VARCHAR', updated_at: 'VARCHAR'
        }
    )
    union all by name
    select * from read_parquet(
        getvariable('exports') || '/scheduling/appointments_*.parquet',
        filename = true, union_by_name = true
    )
)
select
    cast(appointment_id as varchar) as appointment_id,
    cast(participant_id as varchar) as participant_id,
    cast(appointment_type as varchar) as appointment_type,
    cast(scheduled_start as timestamptz) as scheduled_start,
    cast(status as varchar) as status,
    cast(cancelled_by as varchar) as cancelled_by,
    cast(updated_at as timestamptz) as updated_at,
    filename,
    strptime(regexp_extract(filename, '_(\d{8})\.[a-z]+$', 1), '%Y%m%d')::date as export_date
from files;

-- Check-ins are never changed once sent ("identical copies are the normal overlap of deltas"),
-- so no row order is needed: they are read straight into the day answers below.
create view landing.checkins as
with files as (
    select * from read_csv(
        getvariable('exports') || '/app/checkins_*.csv',
        all_varchar = true, header = true, filename = true
    )
    union all by name
    select * from read_json(
        getvariable('exports') || '/app/checkins_*.jsonl',
        format = 'newline_delimited', filename = true,
        columns = {
            checkin_id: 'VARCHAR', participant_id: 'VARCHAR', report_date: 'VARCHAR',
            submitted_at: 'VARCHAR', standard_drinks: 'VARCHAR', craving_score: 'VARCHAR',
            took_medication: 'VARCHAR'
        }
    )
    union all by name
    select * from read_parquet(
        getvariable('exports') || '/app/checkins_*.parquet',
        filename = true, union_by_name = true
    )
)
select
    cast(checkin_id as varchar) as checkin_id,
    cast(participant_id as varchar) as participant_id,
    cast(report_date as date) as report_date,
    cast(submitted_at as timestamptz) as submitted_at,
    cast(standard_drinks as integer) as standard_drinks,
    cast(craving_score as integer) as craving_score,
    cast(took_medication as boolean) as took_medication,
    strptime(regexp_extract(filename, '_(\d{8})\.[a-z]+$', 1), '%Y%m%d')::date as export_date
from files;


-- =================================================================================================
-- 2. Latest versions, consent, as-of date (EXPORTS.md, METRICS.md preamble)
-- =================================================================================================

-- "updated_at and submitted_at are no later than the end of the export date at UTC-12:00 ... a
-- record stamped after its own export is a clock error, quarantined, and can never outrank later
-- records." The end of day D at UTC-12:00 is D + 1 day + 12 hours UTC.
create macro work.stamped_in_time(stamp, export_date) as
    stamp <= timezone('UTC', cast(export_date as timestamp) + interval 36 hour);

-- "Consent withdrawal is for good: any delivered version of a participant with
-- data_sharing_consent = false (a quarantined row included ...) removes the participant,
-- whatever the other versions say."
create table work.withdrawn as
select distinct participant_id
from landing.participants
where data_sharing_consent = false;

-- "The latest version of a record wins: the highest updated_at; on a tie, the file with the later
-- export date, then the later row in that file." (Two files of one date, in two formats: the
-- later name, so the pick is deterministic.)
create table work.participants as
select * exclude (filename)
from landing.participants
where work.stamped_in_time(updated_at, export_date)
    and participant_id not in (select participant_id from work.withdrawn)
qualify row_number() over (
    partition by participant_id order by updated_at desc, export_date desc, filename desc, rowid desc
) = 1;

-- "Every figure is computed as of one as-of date ... ignore ... enrolments and discharges dated
-- later (such a participant counts as not yet enrolled, or not discharged)."
create table work.enrolled as
select
    participant_id,
    enrolled_on,
    sex_at_birth,
    care_track,
    case when discharged_on <= getvariable('as_of') then discharged_on end as discharged_on,
    case when discharged_on <= getvariable('as_of') then discharge_reason end as discharge_reason
from work.participants
where enrolled_on <= getvariable('as_of');

-- Appointments: the latest version (same rule as above); "entered-in-error records are dropped
-- from every figure"; "scheduled_start ... its date is taken in the program's time zone";
-- "ignore ... appointments scheduled later" than the as-of date. Only appointments of known
-- (delivered, consenting) participants enrolled by the as-of date count.
create table work.appointments as
with latest as (
    select *
    from landing.appointments
    where work.stamped_in_time(updated_at, export_date)
    qualify row_number() over (
        partition by appointment_id
        order by updated_at desc, export_date desc, filename desc, rowid desc
    ) = 1
)
select
    latest.appointment_id,
    latest.participant_id,
    latest.appointment_type,
    cast(timezone(getvariable('program_timezone'), latest.scheduled_start) as date)
        as scheduled_date,
    latest.status,
    latest.cancelled_by,
    -- "Attended appointment: status fulfilled, arrived or checked-in."
    latest.status in ('fulfilled', 'arrived', 'checked-in') as attended
from latest
semi join work.enrolled using (participant_id)
where latest.status <> 'entered-in-error'
    and cast(timezone(getvariable('program_timezone'), latest.scheduled_start) as date)
        <= getvariable('as_of');

-- "A day's answer: of a participant's check-ins for one report_date, the one with the latest
-- submitted_at; on a tie, the one from the later export file, then the greater checkin_id."
-- Copies of one check-in are identical, so the ordering key picks the latest file's copy.
-- "ignore ... check-ins reported for later days" than the as-of date.
-- Every use joins work.started, so only enrolled, consenting participants' answers count.
create table work.day_answers as
with answers as (
    select
        participant_id,
        report_date,
        arg_max(
            struct_pack(standard_drinks, craving_score, took_medication),
            struct_pack(submitted_at, export_date, checkin_id)
        ) as answer
    from landing.checkins
    where report_date <= getvariable('as_of')
        and work.stamped_in_time(submitted_at, export_date)
    group by participant_id, report_date
)
select
    participant_id,
    report_date,
    answer.standard_drinks as standard_drinks,
    answer.craving_score as craving_score,
    answer.took_medication as took_medication
from answers;


-- =================================================================================================
-- 3. Care start (METRICS.md "Care start and treatment time")
-- =================================================================================================
-- "care_start_date: the date of a participant's first attended appointment, of any type. A
-- participant with none has not started." "cohort_month: care_start_date's month, YYYY-MM."
create table work.started as
select
    enrolled.*,
    first_attended.care_start_date,
    strftime(first_attended.care_start_date, '%Y-%m') as cohort_month
from work.enrolled as enrolled
inner join (
    select participant_id, min(scheduled_date) as care_start_date
    from work.appointments
    where attended
    group by participant_id
) as first_attended using (participant_id);


-- =================================================================================================
-- 4. marts.participant_retention (METRICS.md "Retention")
-- =================================================================================================
create table marts.participant_retention as
with engagement_dates as (
    -- "Engagement dates: the dates of attended appointments and the report_dates of check-ins,
    -- from care_start_date on, up to the as-of date." (Both are cut at the as-of date above.)
    -- A date met twice is a gap of 0 days below, so no distinct is needed.
    select dates.participant_id, dates.engaged_on
    from (
        select participant_id, scheduled_date as engaged_on from work.appointments where attended
        union all
        select participant_id, report_date from work.day_answers
    ) as dates
    inner join work.started as started
        on dates.participant_id = started.participant_id
        and dates.engaged_on >= started.care_start_date
),

gaps as (
    select
        participant_id,
        engaged_on,
        lag(engaged_on) over (partition by participant_id order by engaged_on) as previous_on
    from engagement_dates
),

episodes as (
    -- "Episode: from care_start_date, engagement dates follow each other with gaps of at most
    -- retention_gap_days days. The first gap longer than that ends the episode."
    -- "last_engaged_on: the last engagement date of the first episode": the date before the
    -- first long gap, i.e. the earliest date that a long gap follows (or the last date if none).
    select
        participant_id,
        coalesce(
            min(previous_on) filter (
                where engaged_on - previous_on > getvariable('retention_gap_days')
            ),
            max(engaged_on)
        ) as last_engaged_on,
        count(*) filter (where engaged_on - previous_on > getvariable('retention_gap_days')) > 0
            as came_back
    from gaps
    group by participant_id
),

statuses as (
    select
        started.participant_id,
        started.cohort_month,
        started.care_track,
        started.care_start_date,
        episodes.last_engaged_on,
        -- "days_retained = last_engaged_on - care_start_date, in days."
        cast(episodes.last_engaged_on - started.care_start_date as bigint) as days_retained,
        -- "status, in this order: 1. completed or transferred when discharged with that reason
        -- on or before last_engaged_on + retention_gap_days; 2. dropped_out when an engagement
        -- date follows last_engaged_on ..., or the as-of date is more than retention_gap_days
        -- after last_engaged_on; 3. in_care otherwise."
        case
            when started.discharge_reason in ('completed', 'transferred')
                and started.discharged_on
                <= episodes.last_engaged_on + getvariable('retention_gap_days')
                then started.discharge_reason
            when episodes.came_back
                or getvariable('as_of') - episodes.last_engaged_on
                > getvariable('retention_gap_days')
                then 'dropped_out'
            else 'in_care'
        end as status
    from work.started as started
    -- Care start is an engagement date itself, so every starter has an episode.
    inner join episodes using (participant_id)
)

select
    *,
    -- "dropped_out (event) = status is dropped_out."
    status = 'dropped_out' as dropped_out,
    -- "retained_30d / 90d / 180d: true when days_retained >= N; false when dropped_out and
    -- days_retained < N; otherwise null (not yet known)."
    case when days_retained >= 30 then true when status = 'dropped_out' then false end
        as retained_30d,
    case when days_retained >= 90 then true when status = 'dropped_out' then false end
        as retained_90d,
    case when days_retained >= 180 then true when status = 'dropped_out' then false end
        as retained_180d
from statuses;


-- =================================================================================================
-- 5. marts.retention_curve (METRICS.md "Retention curve", "Uncertainty")
-- =================================================================================================
-- "the Kaplan-Meier estimate of P(days_retained > t) with dropped_out as the event, for all
-- participants who started and for each cohort_month. One row for day 0 and for each distinct
-- days_retained value in the group: at_risk (days_retained >= t), dropouts (events at t), censored
-- (non-events at t), and retention, the estimate just after t."
create table marts.retention_curve as
with by_day as (
    select cohort, days_retained as day, count(*) filter (where dropped_out) as dropouts,
        count(*) filter (where not dropped_out) as censored
    from (
        select 'all' as cohort, days_retained, dropped_out from marts.participant_retention
        union all
        select cohort_month, days_retained, dropped_out from marts.participant_retention
    )
    group by cohort, days_retained
),

with_day_zero as (
    select * from by_day
    union all
    select distinct cohort, 0, 0, 0 from by_day
    where cohort not in (select cohort from by_day where day = 0)
),

steps as (
    select
        cohort,
        day,
        cast(sum(dropouts + censored) over later as bigint) as at_risk,
        cast(dropouts as bigint) as dropouts,
        cast(censored as bigint) as censored
    from with_day_zero
    window later as (partition by cohort order by day desc rows unbounded preceding)
),

estimates as (
    select
        *,
        -- Product-limit: S(t) = prod over t_i <= t of (1 - d_i / n_i).
        product(1 - dropouts / at_risk) over earlier as retention,
        -- "V(t) = sum over event days t_i <= t of d_i / (n_i (n_i - d_i))" (infinite once
        -- everyone at risk drops out; S is 0 there and the bounds are 0 by the rule below).
        sum(case when dropouts > 0 then dropouts / (at_risk * (at_risk - dropouts)) else 0 end)
            over earlier as greenwood
    from steps
    window earlier as (partition by cohort order by day rows unbounded preceding)
)

select
    cohort,
    day,
    at_risk,
    dropouts,
    censored,
    retention,
    -- "lower = S ^ exp(z sqrt(V) / |ln S|), upper = S ^ exp(-z sqrt(V) / |ln S|); both bounds 1
    -- where S is 1, both 0 where S is 0", z = 1.959963984540054.
    case
        when retention >= 1 then 1.0
        when retention <= 0 then 0.0
        else pow(retention, exp(1.959963984540054 * sqrt(greenwood) / abs(ln(retention))))
    end as retention_lower_95,
    case
        when retention >= 1 then 1.0
        when retention <= 0 then 0.0
        else pow(retention, exp(-1.959963984540054 * sqrt(greenwood) / abs(ln(retention))))
    end as retention_upper_95
from estimates;


-- =================================================================================================
-- 6. marts.participant_drinking_monthly (METRICS.md "Self-reported drinking", "WHO risk levels")
-- =================================================================================================
create table marts.participant_drinking_monthly as
with months as (
    -- "Treatment month m (m >= 1): day indexes 30(m-1) to 30m-1. Baseline (month 0): day indexes
    -- -30 to -1, but not before enrolled_on. Outcome months stop at outcome_months."
    -- "counting only days on or before both the as-of date and discharged_on (if set); months
    -- with no such day have no row".
    select
        started.participant_id,
        started.sex_at_birth,
        started.discharged_on,
        m.treatment_month,
        case
            when m.treatment_month = 0
                then greatest(started.care_start_date - 30, started.enrolled_on)
            else started.care_start_date + 30 * (m.treatment_month - 1)
        end as first_day,
        started.care_start_date + 30 * m.treatment_month - 1 as last_day,
        least(
            started.care_start_date + 30 * m.treatment_month - 1,
            getvariable('as_of'),
            coalesce(started.discharged_on, getvariable('as_of'))
        ) as last_counted_day
    from work.started as started
    cross join (
        select cast(range as integer) as treatment_month
        from range(0, getvariable('outcome_months') + 1)
    ) as m
),

answers as (
    -- Each day answer placed in its month by its day index (report_date - care_start_date).
    select
        answers.*,
        case
            when answers.report_date >= started.care_start_date
                then (answers.report_date - started.care_start_date) // 30 + 1
            else 0
        end as treatment_month
    from work.day_answers as answers
    inner join work.started as started using (participant_id)
    where answers.report_date >= started.care_start_date - 30
),

counted as (
    select
        months.participant_id,
        months.treatment_month,
        months.sex_at_birth,
        months.last_day,
        -- "window_days: those days"
        max(months.last_counted_day - months.first_day + 1) as window_days,
        -- "Reported day: a day whose answer has standard_drinks filled in."
        count(answers.standard_drinks) as reported_days,
        -- "Drink-free day: reported, 0 standard drinks. Drinking day: reported, 1 or more."
        count(*) filter (where answers.standard_drinks = 0) as drink_free_days,
        count(*) filter (where answers.standard_drinks >= 1) as drinking_days,
        -- "Heavy drinking day: reported, standard drinks >= the threshold: 4 for female, 5 for
        -- male, 4 for unknown."
        count(*) filter (
            where answers.standard_drinks >= case months.sex_at_birth
                when 'female' then getvariable('heavy_threshold_female')
                when 'male' then getvariable('heavy_threshold_male')
                else getvariable('heavy_threshold_unknown')
            end
        ) as heavy_drinking_days,
        coalesce(sum(answers.standard_drinks), 0) as total_drinks,
        -- "7-day point-prevalence abstinence ... true when each of its last 7 days (day indexes
        -- 30m-7 to 30m-1) has an answer with 0 standard drinks" (a day after discharge is outside
        -- the counted window, so it counts against, as the rule says).
        count(*) filter (
            where answers.report_date >= months.last_day - 6 and answers.standard_drinks = 0
        ) as abstinent_days_of_last_7,
        -- "Self-reported medication use and craving ... over the days whose answer has the item
        -- filled in".
        count(*) filter (where answers.took_medication) as medication_days,
        count(answers.took_medication) as medication_reported_days,
        avg(answers.craving_score) as mean_craving_score
    from months
    left join answers
        on months.participant_id = answers.participant_id
        and months.treatment_month = answers.treatment_month
        and answers.report_date between months.first_day and months.last_counted_day
    where months.last_counted_day >= months.first_day
    group by all
)

select
    participant_id,
    treatment_month,
    cast(window_days as bigint) as window_days,
    reported_days,
    drink_free_days,
    drinking_days,
    heavy_drinking_days,
    cast(total_drinks as bigint) as total_drinks,
    -- "Fractions are decimals from 0 to 1."
    drink_free_days / nullif(reported_days, 0) as pct_drink_free_observed,
    drink_free_days / window_days as pct_drink_free_conservative,
    heavy_drinking_days / nullif(reported_days, 0) as pct_heavy_observed,
    total_drinks / nullif(drinking_days, 0) as drinks_per_drinking_day,
    reported_days / window_days as report_coverage,
    -- "Grams per day in a month = total_drinks x 14 (a US standard drink) / reported_days."
    total_drinks * 14 / nullif(reported_days, 0) as grams_per_day,
    -- "Risk level (half-open ranges of grams per day): 0 abstinent (0 g); 1 low (women and unknown
    -- above 0 to 20, men above 0 to 40); 2 medium (20 to 40; men 40 to 60); 3 high (40 to 60; men
    -- 60 to 100); 4 very high (above 60; men above 100). Null when the month has no reported day."
    -- Compared in whole numbers (14 x total_drinks against the bound x reported_days), so a
    -- month at exactly a bound never depends on rounding.
    cast(case
        when reported_days = 0 then null
        when total_drinks = 0 then 0
        when 14 * total_drinks <= (case when sex_at_birth = 'male' then 40 else 20 end)
            * reported_days then 1
        when 14 * total_drinks <= (case when sex_at_birth = 'male' then 60 else 40 end)
            * reported_days then 2
        when 14 * total_drinks <= (case when sex_at_birth = 'male' then 100 else 60 end)
            * reported_days then 3
        else 4
    end as integer) as risk_level,
    -- "for a fully elapsed month: true when each of its last 7 days ... ; false otherwise ...;
    -- null while the month has not fully elapsed, and for the baseline."
    case
        when treatment_month = 0 or last_day > getvariable('as_of') then null
        else abstinent_days_of_last_7 = 7
    end as abstinent_last_7_days,
    medication_days,
    medication_reported_days,
    mean_craving_score
from counted;


-- =================================================================================================
-- 7. marts.appointment_attendance_monthly (METRICS.md "Appointments")
-- =================================================================================================
-- "Per month of the scheduled date (program time zone), up to the as-of date, and
-- appointment_type, leaving out entered-in-error: scheduled (all), attended, noshow, cancelled,
-- cancelled_by_patient, unresolved (still booked with a scheduled date before the as-of date), and
-- attendance_rate = attended / (attended + noshow), null when both are 0."
create table marts.appointment_attendance_monthly as
select
    strftime(scheduled_date, '%Y-%m') as month,
    appointment_type,
    count(*) as scheduled,
    count(*) filter (where attended) as attended,
    count(*) filter (where status = 'noshow') as noshow,
    count(*) filter (where status = 'cancelled') as cancelled,
    count(*) filter (where status = 'cancelled' and cancelled_by = 'patient')
        as cancelled_by_patient,
    count(*) filter (where status = 'booked' and scheduled_date < getvariable('as_of'))
        as unresolved,
    count(*) filter (where attended)
    / nullif(count(*) filter (where attended or status = 'noshow'), 0) as attendance_rate
from work.appointments
group by all;
