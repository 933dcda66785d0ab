-- The first episode: from care start, engagement dates with gaps of at most retention_gap_days.
-- The first longer gap ends it; an engagement date after that gap means the participant came back.
with gaps as (
    select
        participant_id,
        engaged_on,
        case
            when {{ days_between(
                'lag(engaged_on) over (partition by participant_id order by engaged_on)', 'engaged_on'
            ) }} > {{ retention_gap_days() }}
                then 1
            else 0
        end as is_long_gap
    from {{ ref('int_engagement_dates') }}
),

episodes as (
    select
        participant_id,
        engaged_on,
        sum(is_long_gap) over (
            partition by participant_id order by engaged_on
            rows between unbounded preceding and current row
        ) as episode_number
    from gaps
)

select
    participant_id,
    max(case when episode_number = 0 then engaged_on end) as last_engaged_on,
    max(episode_number) > 0 as came_back
from episodes
group by participant_id
