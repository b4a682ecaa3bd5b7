{#- Spark: dbt's month datediff counts whole months between the days and then adds one when
    the later day of month is smaller, so from one month's end to the next (31 January to 28
    February) it gives 2. Months crossed, as DuckDB and PostgreSQL count them, are the
    difference of year x 12 + month. Other dateparts are dbt's. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- if datepart == 'month' -%}
        ((year({{ second_date }}) - year({{ first_date }})) * 12
            + month({{ second_date }}) - month({{ first_date }}))
    {%- else -%}
        {{ dbt.spark__datediff(first_date, second_date, datepart) }}
    {%- endif -%}
{%- endmacro %}
