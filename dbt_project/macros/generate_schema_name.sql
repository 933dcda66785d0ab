{#- Schemas are named exactly staging / intermediate / marts (the public contract is marts.<name>),
    not dbt's default <target_schema>_<custom_schema>. The nightly flow builds the marts into a
    candidate schema (var marts_schema) and publishes them to marts only once validated. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif custom_schema_name | trim == 'marts' -%}
        {{ var('marts_schema', 'marts') }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
