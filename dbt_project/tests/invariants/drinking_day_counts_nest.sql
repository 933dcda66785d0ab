-- drink_free_days <= reported_days <= window_days, and the day counts add up.
select
    participant_id,
    treatment_month
from {{ ref('participant_drinking_monthly') }}
where
    drink_free_days > reported_days
    or reported_days > window_days
    or heavy_drinking_days > drinking_days
    or drink_free_days + drinking_days != reported_days
    or window_days > 30
    or window_days < 1
