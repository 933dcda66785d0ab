-- Participants by WHO risk level at baseline (rows, every level and `all`) and in their last
-- fully elapsed treatment month (columns), over those with both levels.
with levels as (
    select 0 as risk_level
    union all
    select 1 as risk_level
    union all
    select 2 as risk_level
    union all
    select 3 as risk_level
    union all
    select 4 as risk_level
),

shifts as (
    select
        baseline_risk_level,
        last_elapsed_risk_level
    from {{ ref('participant_outcomes') }}
    where baseline_risk_level is not null and last_elapsed_risk_level is not null
),

by_level as (
    select
        cast(levels.risk_level as string) as baseline_risk_level,
        levels.risk_level as row_order,
        {%- for k in range(5) %}
            cast(count(case when shifts.last_elapsed_risk_level = {{ k }} then 1 end) as bigint)
                as last_level_{{ k }},
        {%- endfor %}
        cast(count(shifts.baseline_risk_level) as bigint) as participants
    from levels
    left join shifts
        on levels.risk_level = shifts.baseline_risk_level
    group by levels.risk_level
),

overall as (
    select
        'all' as baseline_risk_level,
        5 as row_order,
        {%- for k in range(5) %}
            cast(count(case when last_elapsed_risk_level = {{ k }} then 1 end) as bigint)
                as last_level_{{ k }},
        {%- endfor %}
        cast(count(*) as bigint) as participants
    from shifts
),

rows_ as (
    select * from by_level
    union all
    select * from overall
)

select
    cast(baseline_risk_level as string) as baseline_risk_level,
    cast(baseline_risk_level = 'all' as boolean) as is_total,
    cast(row_order as integer) as row_order,
    {%- for k in range(5) %}
        cast(last_level_{{ k }} as bigint) as last_level_{{ k }},
    {%- endfor %}
    cast(participants as bigint) as participants
from rows_
