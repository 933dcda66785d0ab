{#- Every value of the column (nulls aside: not_null says whether they may occur) lies within
    min_value .. max_value, both included; either bound may be left out. -#}
{% test within_range(model, column_name, min_value=none, max_value=none) %}
{%- set below = column_name ~ ' < ' ~ min_value if min_value is not none else 'false' -%}
{%- set above = column_name ~ ' > ' ~ max_value if max_value is not none else 'false' %}
select {{ column_name }} as out_of_range
from {{ model }}
where
    {{ column_name }} is not null
    and ({{ below }} or {{ above }})
{% endtest %}
