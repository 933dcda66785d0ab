{#- Every value of the column (nulls aside) is a calendar month written `YYYY-MM`. -#}
{% test is_year_month(model, column_name) %}
select {{ column_name }} as not_a_month
from {{ model }}
where
    {{ column_name }} is not null
    and not {{ matches_regex(column_name, '^[0-9]{4}-(0[1-9]|1[0-2])$') }}
{% endtest %}
