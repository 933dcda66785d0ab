-- Numbers at risk at fixed days under each curve. at_risk (days_retained >= day) never grows with
-- the day, so the number at risk at day t is the largest at_risk among the curve's rows on or
-- after t (the first such row), and 0 when nobody has been followed that long.
select
    {%- for t in [0, 30, 60, 90, 180, 270, 365] %}
        cast(coalesce(max(case when day >= {{ t }} then at_risk end), 0) as bigint) as at_risk_day_{{ t }},
    {%- endfor %}
    cast(curve as string) as curve,
    cast(group_value as string) as group_value,
    cast(coalesce(group_value = 'all', false) as boolean) as is_total
from {{ ref('site_retention_curves') }}
group by curve, group_value
