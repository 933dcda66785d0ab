-- One row per grouping, group value and measure: every rate the dashboards show, with its
-- denominator and 95% Wilson interval (METRICS.md, "Program rates" and "Uncertainty").
{%- set started_measures = [
    'retained_30d', 'retained_90d', 'retained_180d', 'no_heavy_drinking_months_2_3',
    'abstinent_months_2_3', 'risk_reduction_1_level', 'risk_reduction_2_level'
] -%}
{%- set enrolled_measures = ['initiated_14d', 'engaged_34d'] -%}
{%- set dimensions = ['care_track', 'sex_at_birth', 'age_band'] %}

with started as (
    select
        retention.participant_id,
        retention.cohort_month,
        outcomes.care_track,
        outcomes.sex_at_birth,
        outcomes.age_band,
        retention.retained_30d,
        retention.retained_90d,
        retention.retained_180d,
        outcomes.no_heavy_drinking_months_2_3,
        outcomes.abstinent_months_2_3,
        outcomes.risk_reduction_1_level,
        outcomes.risk_reduction_2_level
    from {{ ref('participant_retention') }} as retention
    inner join {{ ref('participant_outcomes') }} as outcomes
        on retention.participant_id = outcomes.participant_id
),

enrolled as (
    select * from {{ ref('participant_initiation') }}
),

-- One row per participant, measure and grouping (the flag may be null: not yet known)
{%- set rows = [] %}
{%- for source, measures, month in [
    ('started', started_measures, 'cohort_month'),
    ('enrolled', enrolled_measures, 'enrolment_month')
] %}
    {%- for measure in measures %}
        {%- for grouping in ['all'] + dimensions + [month] %}
            {%- do rows.append((source, measure, grouping)) %}
        {%- endfor %}
    {%- endfor %}
{%- endfor %}
flags as (
    {%- for source, measure, grouping in rows %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            '{{ grouping }}' as grouping,
            {{ "'all'" if grouping == 'all' else 'cast(' ~ grouping ~ ' as string)' }} as group_value,
            '{{ measure }}' as measure,
            {{ measure }} as flag
        from {{ source }}
    {%- endfor %}
)

select
    cast(grouping as string) as grouping,
    cast(group_value as string) as group_value,
    -- the row over everyone; each other grouping partitions it
    cast(grouping = 'all' as boolean) as is_total,
    cast(measure as string) as measure,
    cast(count(flag) as bigint) as eligible,
    cast(count(case when flag then 1 end) as bigint) as achieved,
    cast(case
        when count(flag) > 0 then cast(count(case when flag then 1 end) as double) / count(flag)
    end as double) as rate,
    cast({{ wilson_lower('count(case when flag then 1 end)', 'count(flag)') }} as double)
        as rate_lower_95,
    cast({{ wilson_upper('count(case when flag then 1 end)', 'count(flag)') }} as double)
        as rate_upper_95
from flags
where group_value is not null
group by grouping, group_value, measure
