{#- Row selection and window folds that differ between DuckDB and Spark (STACK.md). -#}

{% macro latest_rows(columns, relation, partition_by, order_by) -%}
    {#- One row per partition_by key: the greatest by the order_by columns (compared in turn, all
        descending; together they must identify a row). -#}
    {{ return(adapter.dispatch('latest_rows', 'aud_outcomes')(columns, relation, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__latest_rows(columns, relation, partition_by, order_by) -%}
    {#- row_number in a subquery: Spark has no QUALIFY. -#}
    select {{ columns | join(', ') }}
    from (
        select
            {{ columns | join(', ') }},
            row_number() over (
                partition by {{ partition_by | join(', ') }}
                order by {{ order_by | join(' desc, ') }} desc
            ) as version_rank
        from {{ relation }}
    ) as ranked
    where version_rank = 1
{%- endmacro %}

{% macro duckdb__latest_rows(columns, relation, partition_by, order_by) -%}
    {#- A hash aggregate (arg_max over a struct key) instead of a sort per partition: the same
        rows, about 1.7x faster on millions of check-ins. -#}
    {%- set outputs = [] -%}
    {%- set carried = [] -%}
    {%- for c in columns -%}
        {%- if c in partition_by -%}
            {%- do outputs.append(c) -%}
        {%- else -%}
            {%- do outputs.append("struct_extract(picked, '" ~ c ~ "') as " ~ c) -%}
            {%- do carried.append(c ~ ' := ' ~ c) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set keys = [] -%}
    {%- for c in order_by -%}
        {%- do keys.append(c ~ ' := ' ~ c) -%}
    {%- endfor -%}
    select {{ outputs | join(', ') }}
    from (
        select
            {{ partition_by | join(', ') }},
            arg_max(struct_pack({{ carried | join(', ') }}), struct_pack({{ keys | join(', ') }})) as picked
        from {{ relation }}
        group by {{ partition_by | join(', ') }}
    ) as latest
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
    case when ({{ denominator }}) > 0 then cast(({{ numerator }}) as double) / ({{ denominator }}) end
{%- endmacro %}
