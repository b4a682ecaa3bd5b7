{% test expression_is_true(model, expression, where_clause='1 = 1', column_name=none) %}
{#- Every row satisfies the boolean SQL expression (rows failing it are returned). -#}
select *
from {{ model }}
where ({{ where_clause }}) and not ({{ expression }})
{% endtest %}
