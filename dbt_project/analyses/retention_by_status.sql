-- Participants by retention status and cohort month, for a quick look at a warehouse.
select
    cohort_month,
    status,
    count(*) as participants
from {{ ref('participant_retention') }}
group by cohort_month, status
order by cohort_month, status
