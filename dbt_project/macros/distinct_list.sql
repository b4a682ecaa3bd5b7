{#- The distinct values of a string expression joined by `delimiter` (a SQL string literal) in
    code-point order, the same on every warehouse. dbt's listagg on Spark ignores its order by,
    so Spark sorts the collected set instead (array_sort compares strings by code point). -#}
{% macro distinct_list(expression, delimiter) -%}
    {{ return(adapter.dispatch('distinct_list')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__distinct_list(expression, delimiter) -%}
    {{ dbt.listagg(
        'distinct ' ~ binary_collation(expression), delimiter, 'order by ' ~ binary_collation(expression)
    ) }}
{%- endmacro %}

{% macro spark__distinct_list(expression, delimiter) -%}
    array_join(array_sort(collect_set({{ expression }})), {{ delimiter }})
{%- endmacro %}
