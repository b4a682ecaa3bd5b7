{% test same_row_count(model, compare_to) %}
{#- The model has as many rows as `compare_to`: one row per entity of another model (with a
    unique key, every entity once). Returns one row with both counts when they differ. -#}
with counts as (
    select
        (select count(*) from {{ model }}) as model_rows,
        (select count(*) from {{ compare_to }}) as compared_rows
)

select model_rows, compared_rows
from counts
where model_rows != compared_rows
{% endtest %}
