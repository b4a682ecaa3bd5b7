{% test unique_combination(model, columns, delivered_column=none) %}
{#- No two rows share the same values of all the given columns (a compound key).

    With `delivered_column` (the delivery date a row came with), a daily run checks only the
    keys of the rows whose delivery was loaded since its last passing run, each key against
    the whole model: on a table of tens of millions of rows, a day's keys instead of every key.
    The orchestration decides that scope and writes it to the warehouse before dbt runs
    (orchestration/dbt/delivery_scoped_tests.py); without it (`full_refresh`, weekly, plain
    `dbt build` on a new warehouse) the whole model is checked. Only such a test depends on the deliveries. -#}
{%- set key = columns | join(', ') %}
{%- set loaded_after = none %}
{%- if delivered_column %}
    {%- set deliveries = source('raw', '_deliveries') %}
    {%- set loaded_after = data_tests_loaded_after(deliveries) %}
{%- endif %}
{%- if loaded_after is not none %}
with changed_keys as (
    select distinct {{ key }}
    from {{ model }}
    where {{ delivered_column }} in (
        select delivery_date from {{ deliveries }}
        where loaded_at > cast('{{ loaded_after }}' as {{ dbt.type_timestamp() }})
    )
)

{% endif -%}
select {{ key }}, count(*) as copies
from {{ model }}
{%- if loaded_after is not none %}
inner join changed_keys using ({{ key }})
{%- endif %}
group by {{ key }}
having count(*) > 1
{% endtest %}
