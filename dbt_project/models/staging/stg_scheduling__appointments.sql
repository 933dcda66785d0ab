-- The latest version of each appointment (macros/latest_version.sql), typed, with its scheduled
-- date in the program time zone. Every status is kept: int_appointments_as_of drops
-- entered-in-error and decides what counts as attended. A table, not a view: its tests and
-- int_appointments_as_of each read it, and a view would pick among two million versions for each.
{{ config(materialized='table') }}

with latest as (
    {{ latest_version('appointments', source('landing', 'appointments')) }}
)

select
    cast(appointment_id as string) as appointment_id,
    cast(participant_id as string) as participant_id,
    cast(appointment_type as string) as appointment_type,
    scheduled_start,
    {{ local_date('scheduled_start') }} as scheduled_date,
    cast(duration_minutes as integer) as duration_minutes,
    cast(status as string) as status,
    cast(cancelled_by as string) as cancelled_by,
    cast(modality as string) as modality,
    updated_at
from latest
