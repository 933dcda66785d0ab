-- Every fraction of participant_drinking_monthly is a decimal from 0 to 1.
select
    participant_id,
    treatment_month
from {{ ref('participant_drinking_monthly') }}
where
    {%- for c in [
        'pct_drink_free_observed', 'pct_drink_free_conservative', 'pct_heavy_observed', 'report_coverage'
    ] %}
    {{ 'or ' if not loop.first }}{{ c }} < 0 or {{ c }} > 1
    {%- endfor %}
