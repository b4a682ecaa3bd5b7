{% test unique_combination(model, columns) %}
{#- No two rows share the same values of all the given columns (a compound key). -#}
select {{ columns | join(', ') }}, count(*) as copies
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
