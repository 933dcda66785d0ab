-- Latest version of each appointment; an appointment whose latest status is entered-in-error
-- is dropped from every figure (EXPORTS.md). A table, not a view: its three tests and
-- int_appointments_as_of each read it, and a view would pick among two million versions for each.
{{ config(materialized='table') }}

with latest as (
    {{ latest_rows(
        [
            'appointment_id', 'participant_id', 'appointment_type', 'scheduled_start',
            'duration_minutes', 'status', 'cancelled_by', 'modality', 'updated_at',
            '_export_date', '_delivery_id', '_row_number'
        ],
        source('landing', 'appointments'),
        ['appointment_id'],
        ['updated_at', '_export_date', '_delivery_id', '_row_number']
    ) }}
)

select
    cast(appointment_id as string) as appointment_id,
    cast(participant_id as string) as participant_id,
    cast(appointment_type as string) as appointment_type,
    scheduled_start,
    {{ local_date('scheduled_start') }} as scheduled_date,
    cast(duration_minutes as integer) as duration_minutes,
    cast(status as string) as status,
    status in ('fulfilled', 'arrived', 'checked-in') as is_attended,
    cast(cancelled_by as string) as cancelled_by,
    cast(modality as string) as modality,
    updated_at
from latest
where status != 'entered-in-error'
