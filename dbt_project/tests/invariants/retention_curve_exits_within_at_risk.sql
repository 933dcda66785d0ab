-- Those leaving on a day (dropouts + censored) are among those at risk on it, in every curve.
select
    cohort as group_value,
    day
from {{ ref('retention_curve') }}
where dropouts + censored > at_risk
union all
select
    care_track as group_value,
    day
from {{ ref('retention_curve_by_care_track') }}
where dropouts + censored > at_risk
