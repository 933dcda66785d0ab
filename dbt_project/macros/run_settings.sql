{#- The run's settings as SQL literals. Every figure is computed as of one date (METRICS.md). -#}

{% macro as_of_date_value() -%}
    {#- The var, or today in the program time zone when it is not set. -#}
    {%- set configured = var('as_of_date', none) -%}
    {%- if configured is none or configured == '' -%}
        {%- set tz = modules.pytz.timezone(var('program_timezone')) -%}
        {{ return(modules.datetime.datetime.now(tz).date().isoformat()) }}
    {%- else -%}
        {{ return(configured | string) }}
    {%- endif -%}
{%- endmacro %}

{% macro as_of_date() -%}
    cast('{{ as_of_date_value() }}' as date)
{%- endmacro %}

{% macro program_timezone() -%}
    {{ return(var('program_timezone')) }}
{%- endmacro %}

{% macro retention_gap_days() -%}
    {{ return(var('retention_gap_days') | int) }}
{%- endmacro %}

{% macro outcome_months() -%}
    {{ return(var('outcome_months') | int) }}
{%- endmacro %}

{% macro heavy_threshold(sex_column) -%}
    {#- NIAAA heavy drinking day threshold by sex at birth. -#}
    case {{ sex_column }}
        when 'female' then {{ var('heavy_threshold_female') | int }}
        when 'male' then {{ var('heavy_threshold_male') | int }}
        else {{ var('heavy_threshold_unknown') | int }}
    end
{%- endmacro %}

{% macro treatment_month_numbers() -%}
    {#- 0 (baseline) .. outcome_months as a small inline table, portable across engines. -#}
    {%- set rows = [] -%}
    {%- for m in range(outcome_months() + 1) -%}
        {%- do rows.append('select ' ~ m ~ ' as treatment_month') -%}
    {%- endfor -%}
    {{ return(rows | join('\nunion all\n')) }}
{%- endmacro %}
