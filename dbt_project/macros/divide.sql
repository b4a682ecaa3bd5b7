{#- A rate whose denominator is 0 (or null) is null, never 0 and never an error (docs/metrics.md). -#}
{% macro divide(numerator, denominator) -%}
    case
        when ({{ denominator }}) = 0 then null
        else cast({{ numerator }} as {{ float_type() }}) / ({{ denominator }})
    end
{%- endmacro %}
