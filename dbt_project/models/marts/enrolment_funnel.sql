with participants as (
    select
        participants.enrolment_month,
        participants.care_track,
        participants.started,
        retention.retained_30d,
        retention.retained_90d,
        retention.retained_180d
    from {{ ref('int_participants_care_start') }} as participants
    left join {{ ref('participant_retention') }} as retention
        on participants.participant_id = retention.participant_id
)

select
    cast({{ all_or('enrolment_month') }} as string) as enrolment_month,
    cast({{ all_or('care_track') }} as string) as care_track,
    -- a total over at least one dimension (its `all`): sum detail rows with `where not is_total`
    cast(grouping(enrolment_month) + grouping(care_track) > 0 as boolean) as is_total,
    cast(count(*) as bigint) as enrolled,
    cast(count(case when started then 1 end) as bigint) as started,
    cast(count(retained_30d) as bigint) as retained_30d_known,
    cast(count(case when retained_30d then 1 end) as bigint) as retained_30d,
    cast(count(retained_90d) as bigint) as retained_90d_known,
    cast(count(case when retained_90d then 1 end) as bigint) as retained_90d,
    cast(count(retained_180d) as bigint) as retained_180d_known,
    cast(count(case when retained_180d then 1 end) as bigint) as retained_180d
from participants
group by {{ all_combinations(['enrolment_month', 'care_track']) }}
