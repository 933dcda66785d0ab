{{ config(materialized='table') }}

-- A table, not a view: computed once, then read by its tests and participant_retention.
-- The first episode: from care start, engagement dates with gaps of at most retention_gap_days.
-- The first longer gap ends it; an engagement date after that gap means the participant came back.
-- The date before a long gap grows with the gap's position, so the smallest one ends the first
-- episode: one window and one aggregate, no running sum.
with gaps as (
    select
        participant_id,
        engaged_on,
        lag(engaged_on) over (partition by participant_id order by engaged_on) as previous_on
    from {{ ref('int_engagement_dates') }}
),

long_gaps as (
    select
        participant_id,
        engaged_on,
        previous_on,
        previous_on is not null
        and {{ days_between('previous_on', 'engaged_on') }} > {{ retention_gap_days() }} as ends_episode
    from gaps
)

select
    participant_id,
    coalesce(min(case when ends_episode then previous_on end), max(engaged_on)) as last_engaged_on,
    count(case when ends_episode then 1 end) > 0 as came_back
from long_gaps
group by participant_id
