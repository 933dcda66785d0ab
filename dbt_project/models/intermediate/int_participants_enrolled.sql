-- Participants enrolled on or before the as-of date. A discharge dated after the as-of date has
-- not happened yet as of that date, so it is hidden (METRICS.md). A participant whose latest
-- version withdraws consent is left out, so no figure includes them even before ingestion's
-- purge (which removes every participant with any withdrawing version, EXPORTS.md).
select
    participant_id,
    enrolled_on,
    sex_at_birth,
    age_band,
    state,
    care_track,
    baseline_audit_c,
    case when discharged_on <= {{ as_of_date() }} then discharged_on end as discharged_on,
    case when discharged_on <= {{ as_of_date() }} then discharge_reason end as discharge_reason
from {{ ref('stg_app__participants') }}
where
    data_sharing_consent
    and enrolled_on <= {{ as_of_date() }}
