-- Calendar months from the first care start to the as-of date's month (a 0..999 month counter
-- built from digits, so no engine-specific series function is needed).
with digits as (
    select 0 as digit
    {%- for d in range(1, 10) %}
        union all
        select {{ d }}
    {%- endfor %}
),

counter as (
    select ones.digit + 10 * tens.digit + 100 * hundreds.digit as month_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
),

first_month as (
    select {{ month_start('min(care_start_date)') }} as first_month_start
    from {{ ref('int_participants_care_start') }}
),

months as (
    select {{ add_months('first_month.first_month_start', 'counter.month_offset') }} as month_start_date
    from first_month
    cross join counter
    where first_month.first_month_start is not null
)

select
    month_start_date,
    {{ month_end('month_start_date') }} as month_end_date,
    {{ year_month('month_start_date') }} as calendar_month
from months
where month_start_date <= {{ as_of_date() }}
