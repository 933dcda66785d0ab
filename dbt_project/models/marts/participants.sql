select
    cast(participant_id as varchar) as participant_id,
    cast(enrolled_on as date) as enrolled_on,
    cast(enrolment_month as varchar) as enrolment_month,
    cast(sex_at_birth as varchar) as sex_at_birth,
    cast(age_band as varchar) as age_band,
    cast(state as varchar) as state,
    cast(care_track as varchar) as care_track,
    cast(baseline_audit_c as integer) as baseline_audit_c,
    cast(discharged_on as date) as discharged_on,
    cast(discharge_reason as varchar) as discharge_reason,
    cast(care_start_date as date) as care_start_date,
    cast(cohort_month as varchar) as cohort_month,
    cast(started as boolean) as started
from {{ ref('int_participants_care_start') }}
