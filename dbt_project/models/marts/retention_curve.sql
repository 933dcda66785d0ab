with subjects as (
    select
        'all' as group_value,
        days_retained,
        dropped_out as is_event
    from {{ ref('participant_retention') }}
    union all
    select
        cohort_month as group_value,
        days_retained,
        dropped_out as is_event
    from {{ ref('participant_retention') }}
),

curve as (
    {{ kaplan_meier_curve('subjects') }}
)

select
    cast(group_value as string) as cohort,
    cast(group_value = 'all' as boolean) as is_total,
    cast(day as bigint) as day,
    cast(at_risk as bigint) as at_risk,
    cast(dropouts as bigint) as dropouts,
    cast(censored as bigint) as censored,
    cast(retention as double) as retention,
    cast(retention_lower_95 as double) as retention_lower_95,
    cast(retention_upper_95 as double) as retention_upper_95
from curve
