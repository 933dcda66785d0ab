with day_counts as (
    select
        participant_id,
        treatment_month,
        cast(count(case when is_reported then 1 end) as bigint) as reported_days,
        cast(count(case when is_drink_free then 1 end) as bigint) as drink_free_days,
        cast(count(case when is_drinking then 1 end) as bigint) as drinking_days,
        cast(count(case when is_heavy then 1 end) as bigint) as heavy_drinking_days,
        cast(sum(standard_drinks) as bigint) as total_drinks,
        cast(count(case when took_medication then 1 end) as bigint) as medication_days,
        cast(count(took_medication) as bigint) as medication_reported_days,
        avg(cast(craving_score as double)) as mean_craving_score,
        cast(count(craving_score) as bigint) as craving_reported_days,
        -- drink-free answers on the month's last 7 days (day indexes 30m - 7 .. 30m - 1)
        cast(count(case
            when is_drink_free and day_index >= 30 * treatment_month - 7 then 1
        end) as bigint) as drink_free_last_7
    from {{ ref('int_drinking_days') }}
    group by participant_id, treatment_month
),

months as (
    select
        windows.participant_id,
        participants.cohort_month,
        participants.care_track,
        participants.sex_at_birth,
        windows.treatment_month,
        windows.month_start_date,
        windows.month_end_date,
        windows.month_elapsed,
        windows.window_days,
        coalesce(day_counts.reported_days, 0) as reported_days,
        coalesce(day_counts.drink_free_days, 0) as drink_free_days,
        coalesce(day_counts.drinking_days, 0) as drinking_days,
        coalesce(day_counts.heavy_drinking_days, 0) as heavy_drinking_days,
        coalesce(day_counts.total_drinks, 0) as total_drinks,
        coalesce(day_counts.medication_days, 0) as medication_days,
        coalesce(day_counts.medication_reported_days, 0) as medication_reported_days,
        day_counts.mean_craving_score,
        coalesce(day_counts.craving_reported_days, 0) as craving_reported_days,
        coalesce(day_counts.drink_free_last_7, 0) as drink_free_last_7
    from {{ ref('int_treatment_months') }} as windows
    inner join {{ ref('int_participants_care_start') }} as participants
        on windows.participant_id = participants.participant_id
    left join day_counts
        on
            windows.participant_id = day_counts.participant_id
            and windows.treatment_month = day_counts.treatment_month
),

-- WHO risk level from grams per day, compared in whole grams (drinks x 14 against bound x days)
-- so a value on a bound is classified exactly: ranges are (0, 20], (20, 40], (40, 60], above 60
-- for women and unknown; (0, 40], (40, 60], (60, 100], above 100 for men.
leveled as (
    select
        *,
        case
            when reported_days = 0 then null
            when total_drinks = 0 then 0
            when total_drinks * 14 <= case when sex_at_birth = 'male' then 40 else 20 end * reported_days then 1
            when total_drinks * 14 <= case when sex_at_birth = 'male' then 60 else 40 end * reported_days then 2
            when total_drinks * 14 <= case when sex_at_birth = 'male' then 100 else 60 end * reported_days then 3
            else 4
        end as risk_level
    from months
)

select
    cast(participant_id as string) as participant_id,
    cast(treatment_month as integer) as treatment_month,
    cast(cohort_month as string) as cohort_month,
    cast(care_track as string) as care_track,
    cast(sex_at_birth as string) as sex_at_birth,
    cast(month_start_date as date) as month_start_date,
    cast(month_end_date as date) as month_end_date,
    cast(month_elapsed as boolean) as month_elapsed,
    cast(window_days as bigint) as window_days,
    cast(reported_days as bigint) as reported_days,
    cast(drink_free_days as bigint) as drink_free_days,
    cast(drinking_days as bigint) as drinking_days,
    cast(heavy_drinking_days as bigint) as heavy_drinking_days,
    cast(total_drinks as bigint) as total_drinks,
    cast({{ safe_ratio('drink_free_days', 'reported_days') }} as double) as pct_drink_free_observed,
    cast({{ safe_ratio('drink_free_days', 'window_days') }} as double) as pct_drink_free_conservative,
    cast({{ safe_ratio('heavy_drinking_days', 'reported_days') }} as double) as pct_heavy_observed,
    cast({{ safe_ratio('total_drinks', 'drinking_days') }} as double) as drinks_per_drinking_day,
    cast({{ safe_ratio('reported_days', 'window_days') }} as double) as report_coverage,
    cast({{ safe_ratio('total_drinks * 14', 'reported_days') }} as double) as grams_per_day,
    cast(risk_level as integer) as risk_level,
    -- 7-day point-prevalence abstinence: all of the last 7 days answered 0 drinks (intent to
    -- treat: a missing, skipped, drinking or post-discharge day counts against)
    cast(case
        when treatment_month >= 1 and month_elapsed then drink_free_last_7 = 7
    end as boolean) as abstinent_last_7_days,
    cast(medication_days as bigint) as medication_days,
    cast(medication_reported_days as bigint) as medication_reported_days,
    cast(mean_craving_score as double) as mean_craving_score,
    cast(craving_reported_days as bigint) as craving_reported_days
from leveled
