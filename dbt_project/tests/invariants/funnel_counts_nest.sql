-- enrolled >= started >= known >= retained, in every funnel row.
select
    enrolment_month,
    care_track
from {{ ref('enrolment_funnel') }}
where
    started > enrolled
    or retained_30d_known > started
    or retained_30d > retained_30d_known
    or retained_90d_known > started
    or retained_90d > retained_90d_known
    or retained_180d_known > started
    or retained_180d > retained_180d_known
