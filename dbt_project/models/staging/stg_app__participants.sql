-- The latest delivered version of each participant (macros/latest_version.sql), typed. Consent
-- is a column here; int_participants_enrolled leaves withdrawn participants out of every figure.
with latest as (
    {{ latest_version('participants', source('landing', 'participants')) }}
)

select
    cast(participant_id as string) as participant_id,
    cast(enrolled_on as date) as enrolled_on,
    cast(sex_at_birth as string) as sex_at_birth,
    cast(age_band as string) as age_band,
    cast(state as string) as state,
    cast(care_track as string) as care_track,
    cast(baseline_audit_c as integer) as baseline_audit_c,
    cast(discharged_on as date) as discharged_on,
    cast(discharge_reason as string) as discharge_reason,
    cast(data_sharing_consent as boolean) as data_sharing_consent,
    updated_at,
    _export_date as export_date
from latest
