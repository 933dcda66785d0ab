-- retained_Nd is true exactly when days_retained >= N, false exactly when dropped out before N,
-- null otherwise; dropped_out matches the status; days_retained is not negative.
select participant_id
from {{ ref('participant_retention') }}
where
    days_retained < 0
    or dropped_out != (status = 'dropped_out')
    or (retained_30d and days_retained < 30)
    or (not retained_30d and not (dropped_out and days_retained < 30))
    or (retained_30d is null and (days_retained >= 30 or dropped_out))
    or (retained_90d and days_retained < 90)
    or (not retained_90d and not (dropped_out and days_retained < 90))
    or (retained_90d is null and (days_retained >= 90 or dropped_out))
    or (retained_180d and days_retained < 180)
    or (not retained_180d and not (dropped_out and days_retained < 180))
    or (retained_180d is null and (days_retained >= 180 or dropped_out))
