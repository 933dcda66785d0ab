{#- 95% intervals of METRICS.md ("Uncertainty"), defined once. -#}

{#- The normal quantile of a two-sided 95% interval. -#}
{% macro z_95() -%}
    1.959963984540054
{%- endmacro %}

{#- Wilson score interval of k successes out of n (n > 0; null when n is 0):
    (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), p = k/n. Clamped to [0, 1]: at
    k = 0 (or k = n) the exact bound is 0 (or 1), which floating point misses by about 1e-17. -#}
{% macro wilson_bound(k, n, sign) -%}
case
    when {{ n }} > 0 then least(cast(1 as double), greatest(cast(0 as double), (
        cast({{ k }} as double) / {{ n }}
        + {{ z_95() }} * {{ z_95() }} / (2.0 * {{ n }})
        {{ sign }} {{ z_95() }} * sqrt(
            (cast({{ k }} as double) / {{ n }}) * (1 - cast({{ k }} as double) / {{ n }}) / {{ n }}
            + {{ z_95() }} * {{ z_95() }} / (4.0 * {{ n }} * {{ n }})
        )
    ) / (1 + {{ z_95() }} * {{ z_95() }} / {{ n }})))
end
{%- endmacro %}

{% macro wilson_lower(k, n) -%}
    {{ wilson_bound(k, n, '-') }}
{%- endmacro %}

{% macro wilson_upper(k, n) -%}
    {{ wilson_bound(k, n, '+') }}
{%- endmacro %}
