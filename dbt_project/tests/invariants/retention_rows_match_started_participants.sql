-- Reconciliation: every participant who started (marts.participants) has exactly one
-- participant_retention row, and no retention row belongs to a participant who has not started.
with started as (
    select participant_id
    from {{ ref('participants') }}
    where started
),

retention_rows as (
    select
        participant_id,
        cast(count(*) as bigint) as rows_per_participant
    from {{ ref('participant_retention') }}
    group by participant_id
)

select coalesce(started.participant_id, retention_rows.participant_id) as participant_id
from started
full outer join retention_rows
    on started.participant_id = retention_rows.participant_id
where
    started.participant_id is null
    or retention_rows.participant_id is null
    or retention_rows.rows_per_participant != 1
