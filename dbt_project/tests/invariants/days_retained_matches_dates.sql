-- days_retained is last_engaged_on - care_start_date, in days (null dates: not_null tests).
select participant_id
from {{ ref('participant_retention') }}
where days_retained != {{ days_between('care_start_date', 'last_engaged_on') }}
