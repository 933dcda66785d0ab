with counted as (
    select
        {{ all_or('cohort_month') }} as cohort_month,
        {{ all_or('care_track') }} as care_track,
        {{ all_or('sex_at_birth') }} as sex_at_birth,
        grouping(cohort_month) + grouping(care_track) + grouping(sex_at_birth) > 0 as is_total,
        count(*) as participants_started,
        count(no_heavy_drinking_months_2_3) as nhdd_eligible,
        count(case when no_heavy_drinking_months_2_3 then 1 end) as nhdd_responders,
        count(risk_reduction_1_level) as risk1_eligible,
        count(case when risk_reduction_1_level then 1 end) as risk1_responders,
        count(risk_reduction_2_level) as risk2_eligible,
        count(case when risk_reduction_2_level then 1 end) as risk2_responders
    from {{ ref('participant_outcomes') }}
    group by {{ all_combinations(['cohort_month', 'care_track', 'sex_at_birth']) }}
)

select
    cast(cohort_month as string) as cohort_month,
    cast(care_track as string) as care_track,
    cast(sex_at_birth as string) as sex_at_birth,
    cast(is_total as boolean) as is_total,
    cast(participants_started as bigint) as participants_started,
    cast(nhdd_eligible as bigint) as nhdd_eligible,
    cast(nhdd_responders as bigint) as nhdd_responders,
    cast({{ safe_ratio('nhdd_responders', 'nhdd_eligible') }} as double) as nhdd_rate,
    cast(risk1_eligible as bigint) as risk1_eligible,
    cast(risk1_responders as bigint) as risk1_responders,
    cast({{ safe_ratio('risk1_responders', 'risk1_eligible') }} as double) as risk1_rate,
    cast(risk2_eligible as bigint) as risk2_eligible,
    cast(risk2_responders as bigint) as risk2_responders,
    cast({{ safe_ratio('risk2_responders', 'risk2_eligible') }} as double) as risk2_rate
from counted
