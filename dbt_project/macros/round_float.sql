{#- A floating-point value rounded half away from zero to `digits` decimals, as a float.
    PostgreSQL rounds to decimals only numerics, so the value goes through one. -#}
{% macro round_float(expression, digits) -%}
    {{ return(adapter.dispatch('round_float')(expression, digits)) }}
{%- endmacro %}

{% macro default__round_float(expression, digits) -%}
    round({{ expression }}, {{ digits }})
{%- endmacro %}

{% macro postgres__round_float(expression, digits) -%}
    cast(round(cast({{ expression }} as numeric), {{ digits }}) as {{ float_type() }})
{%- endmacro %}
