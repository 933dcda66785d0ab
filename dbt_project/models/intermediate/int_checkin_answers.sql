-- A table, not a view: every drinking, engagement and coverage model reads these millions of
-- rows, and a view would redo the latest-answer selection for each of them. On DuckDB it is
-- incremental: a nightly build recomputes only the participant-days a delivery, a participant
-- record or the as-of date touched (macros/incremental.sql); Spark rebuilds it.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    pre_hook=["{{ incremental_state_prepare() }}", "{{ prepare_changed_checkin_days() }}"],
    post_hook=["{{ drop_changed_checkin_days() }}", "{{ incremental_state_record() }}"]
) }}
-- depends_on: {{ source('landing', 'checkins') }}
-- depends_on: {{ source('landing', 'participants') }}
-- depends_on: {{ source('landing', 'appointments') }}

-- The day's answer (macros/latest_version.sql: the latest submitted_at, then the later export
-- file, then the greater checkin_id). Days after the as-of date are ignored.
with
{% if is_incremental() %}
    changed_days as (
        select
            changed.participant_id,
            changed.report_date
        from {{ changed_checkin_days_relation() }} as changed
    ),

    touched_checkins as materialized (
        select distinct touched.checkin_id
        from {{ source('landing', 'checkins') }} as touched
        inner join changed_days
            on
                touched.participant_id = changed_days.participant_id
                and touched.report_date = changed_days.report_date
    ),

    -- every copy of every check-in with a copy on a changed day, so the latest copy is known
    copies as (
        select copies.*
        from {{ source('landing', 'checkins') }} as copies
        inner join touched_checkins
            on copies.checkin_id = touched_checkins.checkin_id
    ),

    -- the rows stg_app__checkins holds for these check-ins
    latest_copies as (
        {{ latest_version('checkins', 'copies') }}
    ),

    checkins as (
        select
            latest_copies.checkin_id,
            latest_copies.participant_id,
            latest_copies.report_date,
            latest_copies.submitted_at,
            latest_copies.standard_drinks,
            latest_copies.craving_score,
            latest_copies.took_medication,
            latest_copies._export_date as export_date,
            latest_copies._delivery_id as delivery_id
        from latest_copies
        inner join {{ ref('int_participants_enrolled') }} as participants
            on latest_copies.participant_id = participants.participant_id
        inner join changed_days
            on
                latest_copies.participant_id = changed_days.participant_id
                and latest_copies.report_date = changed_days.report_date
        where latest_copies.report_date <= {{ as_of_date() }}
    ),
{% else %}
    checkins as (
        select checkins.*
        from {{ ref('stg_app__checkins') }} as checkins
        inner join {{ ref('int_participants_enrolled') }} as participants
            on checkins.participant_id = participants.participant_id
        where checkins.report_date <= {{ as_of_date() }}
    ),
{% endif %}

answers as (
    {{ latest_version('checkin_answers', 'checkins') }}
)

select
    participant_id,
    report_date,
    checkin_id,
    submitted_at,
    standard_drinks,
    craving_score,
    took_medication
from answers
