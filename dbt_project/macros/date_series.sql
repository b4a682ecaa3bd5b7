{#- One row per day or month (column "date_value") from start_date to end_date, both included
    (DATE expressions; for months, give month starts). Series generation differs per
    warehouse: add an implementation for yours here. -#}
{% macro date_series(start_date, end_date, datepart) -%}
    {{ return(adapter.dispatch('date_series')(start_date, end_date, datepart)) }}
{%- endmacro %}

{% macro duckdb__date_series(start_date, end_date, datepart) -%}
    select cast(range as date) as date_value
    from range(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp) + interval 1 day, interval 1 {{ datepart }})
{%- endmacro %}

{% macro postgres__date_series(start_date, end_date, datepart) -%}
    select cast(d as date) as date_value
    from generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval '1 {{ datepart }}') as d
{%- endmacro %}

{% macro spark__date_series(start_date, end_date, datepart) -%}
    select explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 {{ datepart }})) as date_value
{%- endmacro %}
