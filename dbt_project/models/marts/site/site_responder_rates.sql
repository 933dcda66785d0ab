-- The responder rates of program_outcomes for the groups the pages offer: everyone, each care
-- track, each sex at birth.
select
    cast(case
        when care_track = 'all' and sex_at_birth = 'all' then 'all'
        when sex_at_birth = 'all' then 'care_track'
        else 'sex_at_birth'
    end as string) as grouping_name,
    cast(case when sex_at_birth = 'all' then care_track else sex_at_birth end as string) as group_value,
    cast(coalesce(care_track = 'all' and sex_at_birth = 'all', false) as boolean) as is_total,
    cast(participants_started as bigint) as participants_started,
    cast(nhdd_eligible as bigint) as nhdd_eligible,
    cast(nhdd_responders as bigint) as nhdd_responders,
    cast(nhdd_rate as double) as nhdd_rate,
    cast(risk1_eligible as bigint) as risk1_eligible,
    cast(risk1_responders as bigint) as risk1_responders,
    cast(risk1_rate as double) as risk1_rate,
    cast(risk2_eligible as bigint) as risk2_eligible,
    cast(risk2_responders as bigint) as risk2_responders,
    cast(risk2_rate as double) as risk2_rate
from {{ ref('program_outcomes') }}
where cohort_month = 'all' and (care_track = 'all' or sex_at_birth = 'all')
