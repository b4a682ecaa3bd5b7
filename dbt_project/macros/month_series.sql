{#- One row per month start from start_month to end_month (both DATE expressions, month starts).
    Series generation differs per warehouse; add an implementation for yours here. -#}
{% macro month_series(start_month, end_month) -%}
    {{ return(adapter.dispatch('month_series')(start_month, end_month)) }}
{%- endmacro %}

{% macro duckdb__month_series(start_month, end_month) -%}
    select cast(range as date) as month
    from range(cast({{ start_month }} as timestamp), cast({{ end_month }} as timestamp) + interval 1 day, interval 1 month)
{%- endmacro %}

{% macro postgres__month_series(start_month, end_month) -%}
    select cast(m as date) as month
    from generate_series(cast({{ start_month }} as timestamp), cast({{ end_month }} as timestamp), interval '1 month') as m
{%- endmacro %}

{% macro spark__month_series(start_month, end_month) -%}
    select explode(sequence(cast({{ start_month }} as date), cast({{ end_month }} as date), interval 1 month)) as month
{%- endmacro %}
