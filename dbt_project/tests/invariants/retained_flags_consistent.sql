-- retained_Nd is true exactly when days_retained >= N, false exactly when dropped out before N,
-- null otherwise; dropped_out matches the status; days_retained is not negative.
select participant_id
from {{ ref('participant_retention') }}
where
    days_retained < 0
    or dropped_out != (status = 'dropped_out')
    {%- for n in [30, 90, 180] %}
    or (retained_{{ n }}d and days_retained < {{ n }})
    or (not retained_{{ n }}d and not (dropped_out and days_retained < {{ n }}))
    or (retained_{{ n }}d is null and (days_retained >= {{ n }} or dropped_out))
    {%- endfor %}
