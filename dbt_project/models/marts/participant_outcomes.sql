with participants as (
    select
        participant_id,
        cohort_month,
        care_track,
        sex_at_birth,
        age_band,
        care_start_date,
        -- month m has elapsed when its last day (day index 30m - 1) is on or before the as-of date
        cast(floor(({{ days_between('care_start_date', as_of_date()) }} + 1) / 30.0) as bigint)
            as months_elapsed,
        -- ... and is a whole month of treatment when that day is also on or before discharged_on
        cast(floor((
            {{ days_between('care_start_date', least_date(as_of_date(), 'discharged_on')) }} + 1
        ) / 30.0) as bigint) as months_treated
    from {{ ref('int_participants_care_start') }}
    where started
),

monthly as (
    select
        participant_id,
        treatment_month,
        reported_days,
        drinking_days,
        heavy_drinking_days,
        risk_level
    from {{ ref('participant_drinking_monthly') }}
),

per_participant as (
    select
        participants.participant_id,
        participants.cohort_month,
        participants.care_track,
        participants.sex_at_birth,
        participants.age_band,
        participants.months_elapsed >= 3 as month3_elapsed,
        case
            when participants.months_treated >= {{ outcome_months() }} then {{ outcome_months() }}
            when participants.months_treated >= 1 then participants.months_treated
        end as last_elapsed_month,
        coalesce(sum(case when monthly.treatment_month in (2, 3) then monthly.reported_days end), 0)
            as reported_days_2_3,
        coalesce(sum(case when monthly.treatment_month in (2, 3) then monthly.heavy_drinking_days end), 0)
            as heavy_days_2_3,
        coalesce(sum(case when monthly.treatment_month in (2, 3) then monthly.drinking_days end), 0)
            as drinking_days_2_3,
        max(case when monthly.treatment_month = 0 then monthly.risk_level end) as baseline_risk_level
    from participants
    left join monthly
        on participants.participant_id = monthly.participant_id
    group by
        participants.participant_id,
        participants.cohort_month,
        participants.care_track,
        participants.sex_at_birth,
        participants.age_band,
        participants.months_elapsed,
        participants.months_treated
),

with_last as (
    select
        per_participant.*,
        monthly.risk_level as last_elapsed_risk_level,
        per_participant.baseline_risk_level - monthly.risk_level as risk_level_reduction
    from per_participant
    left join monthly
        on
            per_participant.participant_id = monthly.participant_id
            and per_participant.last_elapsed_month = monthly.treatment_month
)

select
    cast(participant_id as string) as participant_id,
    cast(cohort_month as string) as cohort_month,
    cast(care_track as string) as care_track,
    cast(sex_at_birth as string) as sex_at_birth,
    cast(age_band as string) as age_band,
    cast(month3_elapsed as boolean) as month3_elapsed,
    -- FDA-style responder: no heavy day in months 2-3 and >= 80% of their 60 days reported
    cast(case
        when month3_elapsed then heavy_days_2_3 = 0 and reported_days_2_3 >= 48
    end as boolean) as no_heavy_drinking_months_2_3,
    -- FDA-style abstinence responder: the same, with no drinking day at all
    cast(case
        when month3_elapsed then drinking_days_2_3 = 0 and reported_days_2_3 >= 48
    end as boolean) as abstinent_months_2_3,
    cast(reported_days_2_3 as bigint) as reported_days_months_2_3,
    cast(heavy_days_2_3 as bigint) as heavy_drinking_days_months_2_3,
    cast(baseline_risk_level as integer) as baseline_risk_level,
    cast(last_elapsed_month as integer) as last_elapsed_month,
    cast(last_elapsed_risk_level as integer) as last_elapsed_risk_level,
    cast(risk_level_reduction as integer) as risk_level_reduction,
    -- a missing last-month level (no reported day) counts as no reduction
    cast(case
        when baseline_risk_level >= 1 and last_elapsed_month is not null
            then coalesce(risk_level_reduction >= 1, false)
    end as boolean) as risk_reduction_1_level,
    cast(case
        when baseline_risk_level >= 2 and last_elapsed_month is not null
            then coalesce(risk_level_reduction >= 2, false)
    end as boolean) as risk_reduction_2_level
from with_last
