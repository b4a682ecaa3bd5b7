{#- A string expression compared by code point, whatever the database's collation: where an
    ORDER BY or a min/max over strings decides a result (a tie-break, a list's order, the
    first variant), every warehouse then picks the same row. DuckDB and Spark compare strings
    by code point already; PostgreSQL follows the database's collation unless told. -#}
{% macro binary_collation(expression) -%}
    {{ return(adapter.dispatch('binary_collation')(expression)) }}
{%- endmacro %}

{% macro default__binary_collation(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__binary_collation(expression) -%}
    {{ expression }} collate "C"
{%- endmacro %}
