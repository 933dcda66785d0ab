-- The N-day retention rate (N = 30, 90, 180): participants retained N days over those whose
-- N-day outcome is known, counting only cohorts followed long enough (the cohort's last day
-- N + retention_gap_days days before the as-of date). In a younger cohort early dropouts are
-- already known while its stayers are not, so its rate would be biased low: it counts nowhere.
with participants as (
    select
        {%- for n in [30, 90, 180] %}
            retained_{{ n }}d,
            {{ add_days(month_end('care_start_date'), n ~ ' + ' ~ retention_gap_days()) }} <= {{ as_of_date() }}
                as mature_{{ n }}d,
        {%- endfor %}
        care_track,
        cohort_month
    from {{ ref('participant_retention') }}
),

counted as (
    select
        {%- for n in [30, 90, 180] %}
            case when mature_{{ n }}d then 1 end as mature_{{ n }}d,
            case when mature_{{ n }}d then retained_{{ n }}d end as known_{{ n }}d,
            case when mature_{{ n }}d and retained_{{ n }}d then 1 end as retained_{{ n }}d,
        {%- endfor %}
        care_track,
        cohort_month
    from participants
)

select
    {%- for n in [30, 90, 180] %}
        cast(count(mature_{{ n }}d) as bigint) as participants_mature_{{ n }}d,
        cast(count(known_{{ n }}d) as bigint) as retained_{{ n }}d_known,
        cast(count(retained_{{ n }}d) as bigint) as retained_{{ n }}d,
        cast({{ safe_ratio('count(retained_' ~ n ~ 'd)', 'count(known_' ~ n ~ 'd)') }} as double)
            as retention_rate_{{ n }}d,
    {%- endfor %}
    cast({{ all_or('care_track') }} as string) as care_track,
    cast({{ all_or('cohort_month') }} as string) as cohort_month,
    cast(grouping(care_track) + grouping(cohort_month) > 0 as boolean) as is_total,
    cast(count(*) as bigint) as participants_started
from counted
group by {{ all_combinations(['care_track', 'cohort_month']) }}
