with monthly as (
    select
        cohort_month,
        care_track,
        sex_at_birth,
        treatment_month,
        reported_days,
        pct_drink_free_observed * 30 as drink_free_days_per_30,
        pct_drink_free_conservative * 30 as drink_free_days_per_30_conservative,
        pct_heavy_observed * 30 as heavy_days_per_30,
        report_coverage,
        medication_reported_days,
        {{ safe_ratio('medication_days', 'medication_reported_days') }} as medication_rate,
        mean_craving_score
    from {{ ref('participant_drinking_monthly') }}
)

select
    cast({{ all_or('cohort_month') }} as string) as cohort_month,
    cast({{ all_or('care_track') }} as string) as care_track,
    cast({{ all_or('sex_at_birth') }} as string) as sex_at_birth,
    cast(grouping(cohort_month) + grouping(care_track) + grouping(sex_at_birth) > 0 as boolean) as is_total,
    cast(treatment_month as integer) as treatment_month,
    cast(count(*) as bigint) as participants,
    cast(count(case when reported_days > 0 then 1 end) as bigint) as participants_reporting,
    cast(avg(drink_free_days_per_30) as double) as mean_drink_free_days_per_30,
    cast({{ median('drink_free_days_per_30') }} as double) as median_drink_free_days_per_30,
    cast(avg(drink_free_days_per_30_conservative) as double) as mean_drink_free_days_per_30_conservative,
    cast(avg(heavy_days_per_30) as double) as mean_heavy_days_per_30,
    cast(avg(report_coverage) as double) as mean_report_coverage,
    cast(count(case when medication_reported_days > 0 then 1 end) as bigint)
        as participants_medication_reported,
    cast(avg(medication_rate) as double) as mean_medication_rate,
    cast(count(mean_craving_score) as bigint) as participants_craving_reported,
    cast(avg(mean_craving_score) as double) as mean_craving_score
from monthly
group by {{ all_combinations(['cohort_month', 'care_track', 'sex_at_birth'], ['treatment_month']) }}
