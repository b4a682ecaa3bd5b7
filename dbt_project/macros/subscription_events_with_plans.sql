{#- Every subscription event with its plan's tier, currency, price and billing interval: the
    input of every subscription state (per month, current, and its history). -#}
{% macro subscription_events_with_plans() %}
    select
        events.*,
        plans.tier,
        plans.currency,
        plans.unit_price,
        plans.billing_interval_months
    from {{ ref('stg_sub__subscription_events') }} as events
    inner join {{ ref('stg_sub__plans') }} as plans
        on events.plan_id = plans.plan_id
{%- endmacro %}
