{#- Spark: the contracts' types are named as DuckDB and PostgreSQL both read them, and Spark
    reads two of those names under others of its own (dbt casts to each contract type to
    check a model's columns). -#}
{% macro spark__cast(field, type) -%}
    {%- set spark_names = {'text': 'string', 'double precision': 'double'} -%}
    cast({{ field }} as {{ spark_names.get(type | trim | lower, type) }})
{%- endmacro %}
