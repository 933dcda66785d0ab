-- One row per check-in id: deliveries overlap, and a check-in is never changed once sent, so
-- any copy would do; the latest delivery is kept so the "later export file" tie-break of the
-- day's answer is stable (macros/latest_version.sql).
with latest as (
    {{ latest_version('checkins', source('landing', 'checkins')) }}
)

select
    cast(checkin_id as string) as checkin_id,
    cast(participant_id as string) as participant_id,
    cast(report_date as date) as report_date,
    submitted_at,
    cast(standard_drinks as integer) as standard_drinks,
    cast(craving_score as integer) as craving_score,
    cast(took_medication as boolean) as took_medication,
    _export_date as export_date,
    _delivery_id as delivery_id
from latest
