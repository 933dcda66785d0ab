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
    {#- Most keys have one row (a check-in is sent once per day, most records once per export), so
        only keys with several rows go through the pick: a count per hash of the key (a cheap
        fixed-width group) finds them, single rows pass straight through (an anti join), and the
        rest are picked by a hash aggregate (arg_max over a struct key; a sort per partition was
        1.7x slower). A hash collision only sends a single row through the exact pick: the same
        rows as one arg_max over everything, about 3x faster on millions of check-ins. -#}
    {%- set outputs = [] -%}
    {%- set carried = [] -%}
    {%- for c in columns -%}
        {%- if c in partition_by -%}
            {%- do outputs.append('picked_rows.' ~ c) -%}
        {%- else -%}
            {%- do outputs.append("struct_extract(picked_rows.picked, '" ~ c ~ "') as " ~ c) -%}
            {%- do carried.append(c ~ ' := ' ~ c) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set keys = [] -%}
    {%- set needed = columns | list -%}
    {%- for c in order_by -%}
        {%- do keys.append(c ~ ' := ' ~ c) -%}
        {%- if c not in needed -%}{%- do needed.append(c) -%}{%- endif -%}
    {%- endfor -%}
    with latest_rows_input as materialized (
        select
            {{ needed | join(', ') }},
            hash({{ partition_by | join(', ') }}) as latest_rows_key_hash
        from {{ relation }}
    ),

    latest_rows_repeated as (
        select latest_rows_key_hash
        from latest_rows_input
        group by latest_rows_key_hash
        having count(*) > 1
    )

    select {{ columns | join(', ') }}
    from latest_rows_input
    anti join latest_rows_repeated
        on latest_rows_input.latest_rows_key_hash = latest_rows_repeated.latest_rows_key_hash
    union all
    select {{ outputs | join(', ') }}
    from (
        select
            {{ partition_by | join(', ') }},
            arg_max(struct_pack({{ carried | join(', ') }}), struct_pack({{ keys | join(', ') }})) as picked
        from latest_rows_input
        semi join latest_rows_repeated
            on latest_rows_input.latest_rows_key_hash = latest_rows_repeated.latest_rows_key_hash
        group by {{ partition_by | join(', ') }}
    ) as picked_rows
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
