{% test not_null_columns(model, columns) %}
{#- None of the given columns is null. One scan of the model checks them all: a not_null test
    per column scans the model once per column and costs a dbt node and a Dagster check each.
    Returns one row per column that has nulls, with how many. -#}
with null_counts as (
    select
    {%- for column in columns %}
        sum(case when {{ column }} is null then 1 else 0 end) as nulls_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)

{% for column in columns -%}
select
    '{{ column }}' as column_name,
    nulls_{{ loop.index }} as null_rows
from null_counts
where nulls_{{ loop.index }} > 0
{% if not loop.last %}union all
{% endif %}
{%- endfor %}
{% endtest %}
