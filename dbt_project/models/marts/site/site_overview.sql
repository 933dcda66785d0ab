-- The overview's headline figures, each taken from the mart its page reads, so the overview and
-- the pages agree: participants in care (status in_care), Kaplan-Meier retention at day 90,
-- paired drink-free days, and the attendance rate of the last complete month.
with run as (
    select
        {{ as_of_date() }} as as_of_date,
        {{ year_month(add_days(month_start(as_of_date()), -1)) }} as attendance_month
),

retention as (
    select
        cast(count(*) as bigint) as participants_started,
        cast(count(case when status = 'in_care' then 1 end) as bigint) as participants_in_care
    from {{ ref('participant_retention') }}
),

-- retention never grows with the day: the estimate at day 90 is the smallest on or before it;
-- at_risk never grows either: the number followed to day 90 is the largest on or after it.
km as (
    select
        min(case when day <= 90 then retention end) as retention_day_90,
        max(case when day >= 90 then at_risk end) as at_risk_day_90
    from {{ ref('site_retention_curves') }}
    where curve = 'cohort_month' and group_value = 'all'
),

paired as (
    select
        participants_paired,
        baseline_drink_free_days_per_30,
        month3_drink_free_days_per_30
    from {{ ref('site_drink_free_paired') }}
    where grouping_name = 'all'
),

attendance as (
    select
        calendar_month,
        attended_or_noshow,
        attendance_rate
    from {{ ref('site_appointments_monthly') }}
    where appointment_type = 'all'
)

select
    cast(run.as_of_date as date) as as_of_date,
    cast(retention.participants_started as bigint) as participants_started,
    cast(retention.participants_in_care as bigint) as participants_in_care,
    cast(case when km.at_risk_day_90 is not null then km.retention_day_90 end as double)
        as km_retention_day_90,
    cast(km.at_risk_day_90 as bigint) as km_at_risk_day_90,
    cast(coalesce(paired.participants_paired, 0) as bigint) as participants_paired,
    cast(paired.baseline_drink_free_days_per_30 as double) as baseline_drink_free_days_per_30,
    cast(paired.month3_drink_free_days_per_30 as double) as month3_drink_free_days_per_30,
    cast(run.attendance_month as string) as attendance_month,
    cast(coalesce(attendance.attended_or_noshow, 0) as bigint) as attendance_attended_or_noshow,
    cast(attendance.attendance_rate as double) as attendance_rate
from run
cross join retention
cross join km
left join paired
    on 1 = 1
left join attendance
    on run.attendance_month = attendance.calendar_month
