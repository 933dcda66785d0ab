with appointments as (
    select
        {{ year_month('scheduled_date') }} as month,
        appointment_type,
        is_attended,
        status,
        cancelled_by,
        scheduled_date
    from {{ ref('int_appointments_as_of') }}
),

counted as (
    select
        month,
        appointment_type,
        cast(count(*) as bigint) as scheduled,
        cast(count(case when is_attended then 1 end) as bigint) as attended,
        cast(count(case when status = 'noshow' then 1 end) as bigint) as noshow,
        cast(count(case when status = 'cancelled' then 1 end) as bigint) as cancelled,
        cast(count(case when status = 'cancelled' and cancelled_by = 'patient' then 1 end) as bigint)
            as cancelled_by_patient,
        cast(count(
            case when status = 'booked' and scheduled_date < {{ as_of_date() }} then 1 end
        ) as bigint) as unresolved
    from appointments
    group by month, appointment_type
)

select
    cast(month as string) as month,
    cast(appointment_type as string) as appointment_type,
    scheduled,
    attended,
    noshow,
    cancelled,
    cancelled_by_patient,
    unresolved,
    cast({{ safe_ratio('attended', 'attended + noshow') }} as double) as attendance_rate
from counted
