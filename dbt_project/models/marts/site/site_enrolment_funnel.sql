-- Enrolled -> started care -> retained 30 / 90 / 180 days, per care track. The retention stages
-- are those of site_retention_rates over all cohorts (old enough cohorts only), so the funnel,
-- the heat map and the overview give one number per term.
with funnel as (
    select
        care_track,
        enrolled,
        started
    from {{ ref('enrolment_funnel') }}
    where enrolment_month = 'all'
),

rates as (
    select *
    from {{ ref('site_retention_rates') }}
    where cohort_month = 'all'
)

select
    cast(funnel.care_track as string) as care_track,
    cast(coalesce(funnel.care_track = 'all', false) as boolean) as is_total,
    cast(funnel.enrolled as bigint) as enrolled,
    cast(funnel.started as bigint) as started,
    {%- for n in [30, 90, 180] %}
        cast(coalesce(rates.retained_{{ n }}d_known, 0) as bigint) as retained_{{ n }}d_known,
        cast(coalesce(rates.retained_{{ n }}d, 0) as bigint) as retained_{{ n }}d,
        cast(coalesce(rates.retained_{{ n }}d_known - rates.retained_{{ n }}d, 0) as bigint)
            as not_retained_{{ n }}d,
        cast(rates.retention_rate_{{ n }}d as double) as retention_rate_{{ n }}d,
    {%- endfor %}
    cast(funnel.enrolled - funnel.started as bigint) as not_started
from funnel
left join rates
    on funnel.care_track = rates.care_track
