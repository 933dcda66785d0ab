-- Appointments by calendar month (of the scheduled date), per type and over all types (`all`).
-- The type rows carry the public mart's attendance_rate; the `all` rows the same formula over the
-- summed counts.
select
    cast(month as string) as calendar_month,
    cast({{ all_or('appointment_type') }} as string) as appointment_type,
    cast(grouping(appointment_type) = 1 as boolean) as is_total,
    cast(sum(scheduled) as bigint) as scheduled,
    cast(sum(attended) as bigint) as attended,
    cast(sum(noshow) as bigint) as noshow,
    cast(sum(cancelled) as bigint) as cancelled,
    cast(sum(cancelled_by_patient) as bigint) as cancelled_by_patient,
    cast(sum(unresolved) as bigint) as unresolved,
    -- booked on the as-of day itself: in scheduled, in no status column
    cast(sum(scheduled) - sum(attended) - sum(noshow) - sum(cancelled) - sum(unresolved) as bigint)
        as other_status,
    cast(sum(attended) + sum(noshow) as bigint) as attended_or_noshow,
    cast(case
        when grouping(appointment_type) = 0 then max(attendance_rate)
        else {{ safe_ratio('sum(attended)', 'sum(attended) + sum(noshow)') }}
    end as double) as attendance_rate
from {{ ref('appointment_attendance_monthly') }}
group by {{ all_combinations(['appointment_type'], ['month']) }}
