select
    cast({{ all_or('cohort_month') }} as varchar) as cohort_month,
    cast({{ all_or('care_track') }} as varchar) as care_track,
    cast({{ all_or('sex_at_birth') }} as varchar) as sex_at_birth,
    cast(count(*) as bigint) as participants_started,
    {%- for prefix, flag in [
        ('nhdd', 'no_heavy_drinking_months_2_3'),
        ('risk1', 'risk_reduction_1_level'),
        ('risk2', 'risk_reduction_2_level'),
    ] %}
    cast(count({{ flag }}) as bigint) as {{ prefix }}_eligible,
    cast(count(case when {{ flag }} then 1 end) as bigint) as {{ prefix }}_responders,
    cast({{ safe_ratio('count(case when ' ~ flag ~ ' then 1 end)', 'count(' ~ flag ~ ')') }} as double)
        as {{ prefix }}_rate{{ ',' if not loop.last }}
    {%- endfor %}
from {{ ref('participant_outcomes') }}
group by {{ all_combinations(['cohort_month', 'care_track', 'sex_at_birth']) }}
