-- Every fraction of participant_drinking_monthly is a decimal from 0 to 1.
select
    participant_id,
    treatment_month
from {{ ref('participant_drinking_monthly') }}
where
    pct_drink_free_observed < 0 or pct_drink_free_observed > 1
    or pct_drink_free_conservative < 0 or pct_drink_free_conservative > 1
    or pct_heavy_observed < 0 or pct_heavy_observed > 1
    or report_coverage < 0 or report_coverage > 1
