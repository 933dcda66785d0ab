-- A table, not a view: care start, engagement dates, the attendance mart and its key tests read
-- it, and a view would redo the latest version of two million appointment versions for each.
{{ config(materialized='table') }}

-- Appointments of enrolled participants scheduled (program-time-zone date) on or before the as-of
-- date; later ones are ignored, and entered-in-error ones are dropped from every figure
-- (EXPORTS.md). Attended: fulfilled, arrived or checked-in (METRICS.md).
select
    appointments.appointment_id,
    appointments.participant_id,
    appointments.appointment_type,
    appointments.scheduled_date,
    appointments.status,
    appointments.status in ('fulfilled', 'arrived', 'checked-in') as is_attended,
    appointments.cancelled_by
from {{ ref('stg_scheduling__appointments') }} as appointments
inner join {{ ref('int_participants_enrolled') }} as participants
    on appointments.participant_id = participants.participant_id
where
    appointments.status != 'entered-in-error'
    and appointments.scheduled_date <= {{ as_of_date() }}
