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
    cast({{ all_or('enrolment_month') }} as varchar) as enrolment_month,
    cast({{ all_or('care_track') }} as varchar) as care_track,
    cast(count(*) as bigint) as enrolled,
    cast(count(case when started then 1 end) as bigint) as started
    {%- for n in [30, 90, 180] %},
    cast(count(retained_{{ n }}d) as bigint) as retained_{{ n }}d_known,
    cast(count(case when retained_{{ n }}d then 1 end) as bigint) as retained_{{ n }}d
    {%- endfor %}
from participants
group by {{ all_combinations(['enrolment_month', 'care_track']) }}
