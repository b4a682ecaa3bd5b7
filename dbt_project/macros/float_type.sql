{#- The 8-byte floating-point type the rates and ratios are computed in. dbt.type_float() is
    that type on PostgreSQL (float = double precision) but a 4-byte REAL on DuckDB. -#}
{% macro float_type() -%}
    {{ return(adapter.dispatch('float_type')()) }}
{%- endmacro %}

{% macro default__float_type() -%}
    {{ dbt.type_float() }}
{%- endmacro %}

{% macro duckdb__float_type() -%}
    double
{%- endmacro %}
