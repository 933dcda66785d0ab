-- The Kaplan-Meier curves the retention page draws, in one shape: by cohort month and by care
-- track, each with the overall curve (`all`), so the page only picks rows.
with curves as (
    select
        'cohort_month' as curve,
        cohort as group_value,
        day,
        at_risk,
        dropouts,
        censored,
        retention
    from {{ ref('retention_curve') }}
    union all
    select
        'care_track' as curve,
        cohort as group_value,
        day,
        at_risk,
        dropouts,
        censored,
        retention
    from {{ ref('retention_curve') }}
    where cohort = 'all'
    union all
    select
        'care_track' as curve,
        care_track as group_value,
        day,
        at_risk,
        dropouts,
        censored,
        retention
    from {{ ref('retention_curve_by_care_track') }}
)

select
    cast(curve as string) as curve,
    cast(group_value as string) as group_value,
    cast(coalesce(group_value = 'all', false) as boolean) as is_total,
    cast(day as bigint) as day,
    cast(at_risk as bigint) as at_risk,
    cast(dropouts as bigint) as dropouts,
    cast(censored as bigint) as censored,
    cast(retention as double) as retention
from curves
