{#- Rows for every combination of dims, each either `all` or a value (GROUPING SETS, which both
    DuckDB and Spark support), always grouped by the `always` columns too. -#}
{% macro all_combinations(dims, always=[]) -%}
    grouping sets (
    {%- for i in range(2 ** (dims | length)) %}
        {%- set chosen = [] -%}
        {%- for d in dims -%}
            {%- if (i // (2 ** loop.index0)) % 2 == 0 -%}{%- do chosen.append(d) -%}{%- endif -%}
        {%- endfor %}
        ({{ (always + chosen) | join(', ') }}){{ ',' if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}

{% macro all_or(dim) -%}
    case when grouping({{ dim }}) = 1 then 'all' else cast({{ dim }} as string) end
{%- endmacro %}
