{#- The totals flag (column_name) says which rows are totals: it is true exactly on the rows that
    are `all` in at least one of grouping_columns, false on every other row, never null. -#}
{% test total_flag_matches(model, column_name, grouping_columns) %}
{%- set is_all = " = 'all', false)" -%}
{%- set any_all = 'coalesce(' ~ (grouping_columns | join(is_all ~ ' or coalesce(')) ~ is_all %}
select
    {{ grouping_columns | join(', ') }},
    {{ column_name }} as flag
from {{ model }}
where
    {{ column_name }} is null
    or {{ column_name }} <> ({{ any_all }})
{% endtest %}
