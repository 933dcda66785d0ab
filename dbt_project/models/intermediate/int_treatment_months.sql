-- Treatment-month windows. Month m >= 1 is day indexes 30(m-1) .. 30m-1 from care start; the
-- baseline (month 0) is day indexes -30 .. -1 but not before enrolled_on. Only days on or before
-- both the as-of date and discharged_on count; a month with no such day gets no row.
with participants as (
    select
        participant_id,
        enrolled_on,
        care_start_date,
        discharged_on
    from {{ ref('int_participants_care_start') }}
    where started
),

months as (
    {{ treatment_month_numbers() }}
),

windows as (
    select
        participants.participant_id,
        months.treatment_month,
        participants.discharged_on,
        case
            when months.treatment_month = 0
                then case
                        when participants.enrolled_on > {{ add_days('participants.care_start_date', -30) }}
                            then participants.enrolled_on
                        else {{ add_days('participants.care_start_date', -30) }}
                    end
            else {{ add_days('participants.care_start_date', '30 * (months.treatment_month - 1)') }}
        end as month_start_date,
        case
            when months.treatment_month = 0 then {{ add_days('participants.care_start_date', -1) }}
            else {{ add_days('participants.care_start_date', '30 * months.treatment_month - 1') }}
        end as month_end_date
    from participants
    cross join months
),

bounded as (
    select
        participant_id,
        treatment_month,
        month_start_date,
        month_end_date,
        {{ least_date(least_date('month_end_date', as_of_date()), 'discharged_on') }} as counted_until
    from windows
)

select
    participant_id,
    treatment_month,
    month_start_date,
    month_end_date,
    counted_until,
    {{ days_between('month_start_date', 'counted_until') }} + 1 as window_days,
    month_end_date <= {{ as_of_date() }} as month_elapsed
from bounded
where counted_until >= month_start_date
