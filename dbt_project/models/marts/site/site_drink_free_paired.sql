-- Baseline against treatment month 3 for the same participants: those who reported at least one
-- day in both, so the change is not a change in who reports.
with paired as (
    select
        participant_id,
        care_track,
        sex_at_birth,
        max(case when treatment_month = 0 then pct_drink_free_observed end) * 30 as baseline_dfd,
        max(case when treatment_month = 3 then pct_drink_free_observed end) * 30 as month3_dfd
    from {{ ref('participant_drinking_monthly') }}
    where treatment_month in (0, 3)
    group by participant_id, care_track, sex_at_birth
),

both_reported as (
    select *
    from paired
    where baseline_dfd is not null and month3_dfd is not null
)

select
    cast(case
        when grouping(care_track) = 0 then 'care_track'
        when grouping(sex_at_birth) = 0 then 'sex_at_birth'
        else 'all'
    end as string) as grouping_name,
    cast(case
        when grouping(care_track) = 0 then care_track
        when grouping(sex_at_birth) = 0 then sex_at_birth
        else 'all'
    end as string) as group_value,
    cast(grouping(care_track) = 1 and grouping(sex_at_birth) = 1 as boolean) as is_total,
    cast(count(*) as bigint) as participants_paired,
    cast(avg(baseline_dfd) as double) as baseline_drink_free_days_per_30,
    cast(avg(month3_dfd) as double) as month3_drink_free_days_per_30
from both_reported
group by grouping sets ((), (care_track), (sex_at_birth))
