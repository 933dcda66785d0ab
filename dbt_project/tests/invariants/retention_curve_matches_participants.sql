-- The `all` curve starts with every participant who started at risk, and its dropouts and
-- censored add up to that number.
with totals as (
    select
        cast(count(*) as bigint) as started,
        cast(count(case when dropped_out then 1 end) as bigint) as dropouts
    from {{ ref('participant_retention') }}
),

curve as (
    select
        max(case when day = 0 then at_risk end) as at_risk_day_0,
        cast(sum(dropouts) as bigint) as dropouts,
        cast(sum(dropouts + censored) as bigint) as leaving
    from {{ ref('retention_curve') }}
    where cohort = 'all'
)

select totals.started
from totals
cross join curve
where
    totals.started > 0
    and (
        curve.at_risk_day_0 != totals.started
        or curve.dropouts != totals.dropouts
        or curve.leaving != totals.started
    )
