{#- Kaplan-Meier product-limit estimate of P(days_retained > t), dropped_out as the event.
    subjects: a relation with columns group_value, days_retained, is_event. One row per group for
    day 0 and each distinct days_retained: at_risk (days_retained >= t), dropouts and censored at
    t, retention just after t, and its 95% log-log ("exponential Greenwood") interval as lifelines
    computes it (METRICS.md, Uncertainty): with V = sum over event days <= t of d / (n (n - d)),
    S ^ exp(-/+ z sqrt(V) / |ln S|); 1 where S is 1, 0 where S is 0. -#}
{% macro kaplan_meier_curve(subjects) -%}
with exits as (
    select
        group_value,
        days_retained as day,
        cast(count(*) as bigint) as leaving,
        cast(count(case when is_event then 1 end) as bigint) as dropouts
    from {{ subjects }}
    group by group_value, days_retained
    union all
    -- day 0 is always reported, even when nobody leaves on it
    select distinct
        group_value,
        cast(0 as bigint) as day,
        cast(0 as bigint) as leaving,
        cast(0 as bigint) as dropouts
    from {{ subjects }}
),

per_day as (
    select
        group_value,
        day,
        cast(sum(leaving) as bigint) as leaving,
        cast(sum(dropouts) as bigint) as dropouts
    from exits
    group by group_value, day
),

at_risk as (
    select
        group_value,
        day,
        dropouts,
        leaving - dropouts as censored,
        cast(sum(leaving) over (
            partition by group_value order by day desc
            rows between unbounded preceding and current row
        ) as bigint) as at_risk
    from per_day
),

estimates as (
    select
        group_value,
        cast(day as bigint) as day,
        at_risk,
        dropouts,
        censored,
        {{ running_product('1 - cast(dropouts as double) / at_risk', 'group_value', 'day') }}
            as retention,
        -- Greenwood's sum; a day on which everyone left (d = n) ends the curve at 0
        sum(
            case
                when dropouts > 0 and at_risk > dropouts
                    then cast(dropouts as double) / (cast(at_risk as double) * (at_risk - dropouts))
                else 0
            end
        ) over (
            partition by group_value order by day
            rows between unbounded preceding and current row
        ) as greenwood_sum
    from at_risk
)

select
    group_value,
    day,
    at_risk,
    dropouts,
    censored,
    retention,
    case
        when retention >= 1 then 1.0
        when retention <= 0 then 0.0
        else power(retention, exp({{ z_95() }} * sqrt(greenwood_sum) / abs(ln(retention))))
    end as retention_lower_95,
    case
        when retention >= 1 then 1.0
        when retention <= 0 then 0.0
        else power(retention, exp(-{{ z_95() }} * sqrt(greenwood_sum) / abs(ln(retention))))
    end as retention_upper_95
from estimates
{%- endmacro %}
