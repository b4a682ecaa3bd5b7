{#- A subscription state's MRR in its plan's currency (docs/metrics.md): unit_price x quantity x
    (1 - discount_pct / 100) / billing_interval_months, 0 once cancelled. Over columns of the
    same names, from a subscription event joined to its plan. The type is stated over both
    branches: PostgreSQL would otherwise type the column as a numeric of any scale. -#}
{% macro mrr_native() -%}
    cast(case
        when event_type = 'cancelled' then 0
        else cast(unit_price as decimal(38, 4)) * quantity * (100 - discount_pct)
            / (100 * billing_interval_months)
    end as decimal(38, 10))
{%- endmacro %}
