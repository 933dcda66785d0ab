{#- Row selection and window folds that differ between DuckDB and Spark (STACK.md). -#}

{% macro latest_rows(columns, relation, partition_by, order_by) -%}
    {#- One row per partition, the first in order_by; row_number in a subquery because Spark has
        no QUALIFY. -#}
    {{ return(adapter.dispatch('latest_rows', 'aud_outcomes')(columns, relation, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__latest_rows(columns, relation, partition_by, order_by) -%}
    select {{ columns | join(', ') }}
    from (
        select
            {{ columns | join(', ') }},
            row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as version_rank
        from {{ relation }}
    ) as ranked
    where version_rank = 1
{%- endmacro %}

{% macro running_product(factor, partition_by, order_by) -%}
    {#- Product of factor over the rows up to this one, folded strictly in order so both engines
        give the same bits. -#}
    {{ return(adapter.dispatch('running_product', 'aud_outcomes')(factor, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__running_product(factor, partition_by, order_by) -%}
    list_reduce(
        list(cast({{ factor }} as double)) over (
            partition by {{ partition_by }} order by {{ order_by }}
            rows between unbounded preceding and current row
        ),
        lambda acc, v: acc * v,
        cast(1 as double)
    )
{%- endmacro %}

{% macro spark__running_product(factor, partition_by, order_by) -%}
    aggregate(
        collect_list(cast({{ factor }} as double)) over (
            partition by {{ partition_by }} order by {{ order_by }}
            rows between unbounded preceding and current row
        ),
        cast(1 as double),
        (acc, v) -> acc * v
    )
{%- endmacro %}

{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'aud_outcomes')(expr)) }}
{%- endmacro %}

{% macro default__median(expr) -%}
    quantile_cont({{ expr }}, 0.5)
{%- endmacro %}

{% macro spark__median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}

{% macro safe_ratio(numerator, denominator) -%}
    case when {{ denominator }} > 0 then cast({{ numerator }} as double) / {{ denominator }} end
{%- endmacro %}
