-- A table, not a view: nearly every later model joins it, and a view would redo the latest
-- version of every appointment (and its time-zone conversion) for each of them.
{{ config(materialized='table') }}

-- Care start: the date of the first attended appointment of any type; none means not started.
with first_attended as (
    select
        participant_id,
        min(scheduled_date) as care_start_date
    from {{ ref('int_appointments_as_of') }}
    where is_attended
    group by participant_id
)

select
    participants.participant_id,
    participants.enrolled_on,
    {{ year_month('participants.enrolled_on') }} as enrolment_month,
    participants.sex_at_birth,
    participants.age_band,
    participants.state,
    participants.care_track,
    participants.baseline_audit_c,
    participants.discharged_on,
    participants.discharge_reason,
    first_attended.care_start_date,
    case
        when first_attended.care_start_date is not null
            then {{ year_month('first_attended.care_start_date') }}
    end as cohort_month,
    first_attended.care_start_date is not null as started
from {{ ref('int_participants_enrolled') }} as participants
left join first_attended
    on participants.participant_id = first_attended.participant_id
