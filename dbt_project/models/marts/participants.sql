select
    cast(participant_id as string) as participant_id,
    cast(enrolled_on as date) as enrolled_on,
    cast(enrolment_month as string) as enrolment_month,
    cast(sex_at_birth as string) as sex_at_birth,
    cast(age_band as string) as age_band,
    cast(state as string) as state,
    cast(care_track as string) as care_track,
    cast(baseline_audit_c as integer) as baseline_audit_c,
    cast(discharged_on as date) as discharged_on,
    cast(discharge_reason as string) as discharge_reason,
    cast(care_start_date as date) as care_start_date,
    cast(cohort_month as string) as cohort_month,
    cast(started as boolean) as started
from {{ ref('int_participants_care_start') }}
