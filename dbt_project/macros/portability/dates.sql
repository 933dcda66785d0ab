{#- Date helpers over dbt's cross-database macros, with the casts that make DuckDB and Spark agree
    (STACK.md: datediff must be bigint; dateadd and date_trunc return timestamps). -#}

{% macro days_between(start_date, end_date) -%}
    cast({{ dbt.datediff(start_date, end_date, 'day') }} as bigint)
{%- endmacro %}

{% macro add_days(date_expr, days_expr) -%}
    cast({{ dbt.dateadd('day', days_expr, date_expr) }} as date)
{%- endmacro %}

{% macro add_months(date_expr, months_expr) -%}
    cast({{ dbt.dateadd('month', months_expr, date_expr) }} as date)
{%- endmacro %}

{% macro month_start(date_expr) -%}
    cast({{ dbt.date_trunc('month', date_expr) }} as date)
{%- endmacro %}

{% macro month_end(date_expr) -%}
    {{ add_days(add_months(month_start(date_expr), 1), -1) }}
{%- endmacro %}

{% macro year_month(date_expr) -%}
    {{ return(adapter.dispatch('year_month', 'aud_outcomes')(date_expr)) }}
{%- endmacro %}

{% macro default__year_month(date_expr) -%}
    strftime({{ date_expr }}, '%Y-%m')
{%- endmacro %}

{% macro spark__year_month(date_expr) -%}
    date_format({{ date_expr }}, 'yyyy-MM')
{%- endmacro %}

{% macro local_date(timestamp_expr) -%}
    {#- The calendar date of an instant in the program time zone. -#}
    {{ return(adapter.dispatch('local_date', 'aud_outcomes')(timestamp_expr)) }}
{%- endmacro %}

{% macro default__local_date(timestamp_expr) -%}
    cast(timezone('{{ program_timezone() }}', {{ timestamp_expr }}) as date)
{%- endmacro %}

{% macro spark__local_date(timestamp_expr) -%}
    {#- Spark timestamps are instants rendered in the session time zone (pinned to UTC). -#}
    to_date(from_utc_timestamp({{ timestamp_expr }}, '{{ program_timezone() }}'))
{%- endmacro %}

{% macro least_date(a, b) -%}
    case when {{ b }} is null or {{ a }} <= {{ b }} then {{ a }} else {{ b }} end
{%- endmacro %}
