{#- The 8-byte floating-point type the rates and ratios are computed in. dbt.type_float() is
    that type on PostgreSQL (float = double precision) but a 4-byte REAL on DuckDB and Spark. -#}
{% macro float_type() -%}
    {{ return(adapter.dispatch('float_type')()) }}
{%- endmacro %}

{% macro default__float_type() -%}
    {{ dbt.type_float() }}
{%- endmacro %}

{% macro duckdb__float_type() -%}
    double
{%- endmacro %}

{% macro spark__float_type() -%}
    double
{%- endmacro %}

{#- An exact decimal as the nearest float, the same on every engine: the model's features must
    be equal bit for bit, or its trees split differently. PostgreSQL converts numeric exactly
    (through its text); DuckDB converts a wide decimal in two roundings, and Spark one whose
    digits pass 2^53 (an integer to float, then a division), so both go through the text too. -#}
{% macro decimal_to_float(expression) -%}
    {{ return(adapter.dispatch('decimal_to_float')(expression)) }}
{%- endmacro %}

{% macro default__decimal_to_float(expression) -%}
    cast({{ expression }} as {{ float_type() }})
{%- endmacro %}

{% macro duckdb__decimal_to_float(expression) -%}
    cast(cast({{ expression }} as varchar) as double)
{%- endmacro %}

{% macro spark__decimal_to_float(expression) -%}
    cast(cast({{ expression }} as string) as double)
{%- endmacro %}
