-- In care: started and not discharged, from care start to the earlier of the discharge date and
-- the as-of date; each such day is a participant-day, and a reported day is one whose answer has
-- standard_drinks filled in.
with participants as (
    select
        participant_id,
        care_start_date,
        {{ least_date(as_of_date(), 'discharged_on') }} as in_care_until
    from {{ ref('int_participants_care_start') }}
    where started
),

spans as (
    select
        months.calendar_month,
        participants.participant_id,
        case
            when participants.care_start_date > months.month_start_date then participants.care_start_date
            else months.month_start_date
        end as span_start,
        {{ least_date('months.month_end_date', 'participants.in_care_until') }} as span_end
    from {{ ref('int_calendar_months') }} as months
    inner join participants
        on
            months.month_end_date >= participants.care_start_date
            and months.month_start_date <= participants.in_care_until
),

participant_days as (
    select
        calendar_month,
        cast(count(*) as bigint) as participants_in_care,
        cast(sum({{ days_between('span_start', 'span_end') }} + 1) as bigint) as participant_days
    from spans
    group by calendar_month
),

reported as (
    select
        {{ year_month('answers.report_date') }} as calendar_month,
        cast(count(*) as bigint) as reported_days
    from {{ ref('int_checkin_answers') }} as answers
    inner join participants
        on answers.participant_id = participants.participant_id
    where
        answers.standard_drinks is not null
        and answers.report_date >= participants.care_start_date
        and answers.report_date <= participants.in_care_until
    group by {{ year_month('answers.report_date') }}
)

select
    cast(participant_days.calendar_month as string) as calendar_month,
    cast(participant_days.participants_in_care as bigint) as participants_in_care,
    cast(participant_days.participant_days as bigint) as participant_days,
    cast(coalesce(reported.reported_days, 0) as bigint) as reported_days,
    cast({{ safe_ratio('coalesce(reported.reported_days, 0)', 'participant_days.participant_days') }} as double)
        as coverage
from participant_days
left join reported
    on participant_days.calendar_month = reported.calendar_month
