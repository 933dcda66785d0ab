-- Latest delivered version of each participant; withdrawn consent is excluded here as well as
-- by ingestion's purge, so no figure can include such a participant.
with latest as (
    {{ latest_rows(
        [
            'participant_id', 'enrolled_on', 'sex_at_birth', 'age_band', 'state', 'care_track',
            'baseline_audit_c', 'discharged_on', 'discharge_reason', 'data_sharing_consent', 'updated_at',
            '_export_date', '_delivery_id', '_row_number'
        ],
        source('landing', 'participants'),
        ['participant_id'],
        ['updated_at', '_export_date', '_delivery_id', '_row_number']
    ) }}
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
    updated_at,
    _export_date as export_date
from latest
where data_sharing_consent
