{#- String predicates that differ between DuckDB and Spark. -#}

{% macro matches_regex(string_expr, pattern) -%}
    {#- True when the regular expression matches somewhere in the string (anchor it with ^ and $
        for the whole string); null for null. Write no backslashes in the pattern: Spark SQL
        string literals treat them as escapes. -#}
    {{ return(adapter.dispatch('matches_regex', 'aud_outcomes')(string_expr, pattern)) }}
{%- endmacro %}

{% macro default__matches_regex(string_expr, pattern) -%}
    regexp_matches({{ string_expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__matches_regex(string_expr, pattern) -%}
    ({{ string_expr }} rlike '{{ pattern }}')
{%- endmacro %}
