{% test consecutive_months(model, column_name) %}
{#- Each month of the column follows the one before it: no month is missing between the first
    and the last. Returns the months whose predecessor is not the month before. -#}
with months as (
    select
        {{ column_name }} as month,
        lag({{ column_name }}) over (order by {{ column_name }}) as previous_month
    from {{ model }}
)

select month, previous_month
from months
where previous_month is not null and {{ dbt.datediff('previous_month', 'month', 'month') }} != 1
{% endtest %}
