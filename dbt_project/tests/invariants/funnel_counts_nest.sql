-- enrolled >= started >= known >= retained, in every funnel row.
select
    enrolment_month,
    care_track
from {{ ref('enrolment_funnel') }}
where
    started > enrolled
    {%- for n in [30, 90, 180] %}
    or retained_{{ n }}d_known > started
    or retained_{{ n }}d > retained_{{ n }}d_known
    {%- endfor %}
