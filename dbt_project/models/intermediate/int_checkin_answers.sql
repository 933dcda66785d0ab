-- A table, not a view: every drinking, engagement and coverage model reads these millions of
-- rows, and a view would redo the latest-answer selection for each of them.
{{ config(materialized='table') }}

-- The day's answer: of a participant's check-ins for one report_date, the latest submitted_at;
-- on a tie the later export file, then the greater checkin_id. Days after the as-of date are ignored.
with checkins as (
    select checkins.*
    from {{ ref('stg_app__checkins') }} as checkins
    inner join {{ ref('int_participants_enrolled') }} as participants
        on checkins.participant_id = participants.participant_id
    where checkins.report_date <= {{ as_of_date() }}
)

{{ latest_rows(
    [
        'participant_id', 'report_date', 'checkin_id', 'submitted_at', 'standard_drinks',
        'craving_score', 'took_medication'
    ],
    'checkins',
    ['participant_id', 'report_date'],
    ['submitted_at', 'export_date', 'delivery_id', 'checkin_id']
) }}
