with started as (
    select
        participants.participant_id,
        participants.cohort_month,
        participants.care_track,
        participants.care_start_date,
        participants.discharged_on,
        participants.discharge_reason,
        episodes.last_engaged_on,
        episodes.came_back
    from {{ ref('int_participants_care_start') }} as participants
    inner join {{ ref('int_participant_episodes') }} as episodes
        on participants.participant_id = episodes.participant_id
    where participants.started
),

classified as (
    select
        *,
        {{ days_between('care_start_date', 'last_engaged_on') }} as days_retained,
        case
            when
                discharge_reason in ('completed', 'transferred')
                and discharged_on <= {{ add_days('last_engaged_on', retention_gap_days()) }}
                then discharge_reason
            when
                came_back
                or {{ days_between('last_engaged_on', as_of_date()) }} > {{ retention_gap_days() }}
                then 'dropped_out'
            else 'in_care'
        end as status
    from started
)

select
    cast(participant_id as string) as participant_id,
    cast(cohort_month as string) as cohort_month,
    cast(care_track as string) as care_track,
    cast(care_start_date as date) as care_start_date,
    cast(last_engaged_on as date) as last_engaged_on,
    cast(days_retained as bigint) as days_retained,
    cast(status as string) as status,
    cast(status = 'dropped_out' as boolean) as dropped_out,
    cast(case
        when days_retained >= 30 then true
        when status = 'dropped_out' then false
    end as boolean) as retained_30d,
    cast(case
        when days_retained >= 90 then true
        when status = 'dropped_out' then false
    end as boolean) as retained_90d,
    cast(case
        when days_retained >= 180 then true
        when status = 'dropped_out' then false
    end as boolean) as retained_180d,
    cast(came_back as boolean) as came_back,
    cast(discharged_on as date) as discharged_on,
    cast(discharge_reason as string) as discharge_reason
from classified
