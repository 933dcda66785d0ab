-- Each day's answer placed in its treatment month (only days the month's window counts), with
-- the day classified by METRICS.md. Day index 0 is care start; -30 .. -1 is the baseline.
with answers as (
    select
        answers.participant_id,
        answers.report_date,
        answers.standard_drinks,
        answers.craving_score,
        answers.took_medication,
        participants.sex_at_birth,
        {{ days_between('participants.care_start_date', 'answers.report_date') }} as day_index
    from {{ ref('int_checkin_answers') }} as answers
    inner join {{ ref('int_participants_care_start') }} as participants
        on answers.participant_id = participants.participant_id
    where participants.started
),

placed as (
    select
        *,
        case
            when day_index >= 0 then cast(floor(day_index / 30.0) as bigint) + 1
            when day_index >= -30 then 0
        end as treatment_month
    from answers
)

select
    placed.participant_id,
    placed.treatment_month,
    placed.report_date,
    placed.day_index,
    placed.standard_drinks,
    placed.craving_score,
    placed.took_medication,
    placed.standard_drinks is not null as is_reported,
    placed.standard_drinks = 0 as is_drink_free,
    placed.standard_drinks >= 1 as is_drinking,
    placed.standard_drinks >= {{ heavy_threshold('placed.sex_at_birth') }} as is_heavy
from placed
inner join {{ ref('int_treatment_months') }} as months
    on
        placed.participant_id = months.participant_id
        and placed.treatment_month = months.treatment_month
where
    placed.report_date >= months.month_start_date
    and placed.report_date <= months.counted_until
