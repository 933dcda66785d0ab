{{ config(materialized='table') }}

-- A table, not a view: its key tests and the episode model would otherwise each recompute it
-- from millions of check-ins (see docs/decisions.md, "Two intermediate models are tables").
-- Engagement dates: attended appointment dates and check-in report dates, from care start on, up
-- to the as-of date (both inputs are already cut at the as-of date).
with engagements as (
    select
        participant_id,
        scheduled_date as engaged_on
    from {{ ref('int_appointments_as_of') }}
    where is_attended
    union all
    select
        participant_id,
        report_date as engaged_on
    from {{ ref('int_checkin_answers') }}
)

select distinct
    engagements.participant_id,
    engagements.engaged_on
from engagements
inner join {{ ref('int_participants_care_start') }} as participants
    on engagements.participant_id = participants.participant_id
where
    participants.started
    and engagements.engaged_on >= participants.care_start_date
