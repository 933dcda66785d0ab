-- Within a group, retention never increases with the day and stays within 0 to 1.
with ordered as (
    select
        cohort as group_value,
        day,
        retention,
        lag(retention) over (partition by cohort order by day) as previous_retention
    from {{ ref('retention_curve') }}
    union all
    select
        care_track as group_value,
        day,
        retention,
        lag(retention) over (partition by care_track order by day) as previous_retention
    from {{ ref('retention_curve_by_care_track') }}
)

select
    group_value,
    day
from ordered
where
    retention > previous_retention
    or retention < 0
    or retention > 1
