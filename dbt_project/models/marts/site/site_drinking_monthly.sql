-- The drinking, medication and craving outcomes by treatment month for the groups the pages
-- offer: everyone, each care track, each sex at birth (each a partition of everyone).
with groups as (
    select
        case
            when care_track = 'all' and sex_at_birth = 'all' then 'all'
            when sex_at_birth = 'all' then 'care_track'
            else 'sex_at_birth'
        end as grouping_name,
        case when sex_at_birth = 'all' then care_track else sex_at_birth end as group_value,
        treatment_month,
        participants,
        participants_reporting,
        mean_drink_free_days_per_30,
        mean_drink_free_days_per_30_conservative,
        mean_heavy_days_per_30,
        participants_medication_reported,
        mean_medication_rate,
        participants_craving_reported,
        mean_craving_score
    from {{ ref('program_outcomes_monthly') }}
    where cohort_month = 'all' and (care_track = 'all' or sex_at_birth = 'all')
)

select
    cast(grouping_name as string) as grouping_name,
    cast(group_value as string) as group_value,
    cast(grouping_name = 'all' as boolean) as is_total,
    cast(treatment_month as integer) as treatment_month,
    cast(participants as bigint) as participants,
    cast(participants_reporting as bigint) as participants_reporting,
    cast(participants - participants_reporting as bigint) as participants_not_reporting,
    cast(mean_drink_free_days_per_30 as double) as mean_drink_free_days_per_30,
    cast(mean_drink_free_days_per_30_conservative as double) as mean_drink_free_days_per_30_conservative,
    cast(mean_heavy_days_per_30 as double) as mean_heavy_days_per_30,
    cast(participants_medication_reported as bigint) as participants_medication_reported,
    cast(mean_medication_rate as double) as mean_medication_rate,
    cast(participants_craving_reported as bigint) as participants_craving_reported,
    cast(mean_craving_score as double) as mean_craving_score
from groups
