-- Check-in coverage by calendar month. Its participant count is of participants started and not
-- discharged on some day of the month, which is not "in care" (retention status in_care).
select
    cast(calendar_month as string) as calendar_month,
    cast(participants_in_care as bigint) as participants_started_not_discharged,
    cast(participant_days as bigint) as participant_days,
    cast(reported_days as bigint) as reported_days,
    cast(coverage as double) as coverage
from {{ ref('checkin_coverage_monthly') }}
