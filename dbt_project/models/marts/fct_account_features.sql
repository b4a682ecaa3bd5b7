{{ config(**snapshot_increments()) }}
-- The propensity model's feature table (docs/model.md): one row per paying account and
-- month-end snapshot date T. Every feature is point in time: it uses only rows whose event time
-- is <= T and that had been delivered by T (late rows do not leak into earlier snapshots), and
-- for rows that change (accounts, orders, tickets, opportunities) the version known at T.
-- The label expanded_90d looks ahead with everything known today; it is null while the
-- 90-day window is not fully observed.
-- The features are computed by topic in intermediate/features (each its own query, so that
-- each fits DuckDB's memory limit at a million accounts) and joined here with the label.
-- Incremental: a snapshot's features never change once taken, only its label does, until its
-- window closes and the late deliveries for it are in. So a daily run rebuilds the rows of
-- the last `features_recompute_days` (default: the label horizon plus three months of late
-- deliveries) and keeps the older ones; `full_refresh` rebuilds all.
{%- set horizon = var('label_horizon_days', 90) %}
{%- set recompute_days = var('features_recompute_days', 183) %}
{#- Every input is read through the same window, so that DuckDB estimates them alike #}
{%- if is_incremental() %}
    {%- set recomputed = "snapshot_date > (select " ~ dbt.dateadd('day', -recompute_days, 'max(snapshot_date)')
        ~ " from " ~ this ~ ")" %}
{%- else %}
    {%- set recomputed = "1 = 1" %}
{%- endif %}

with as_of as (
    select max(rate_date) as as_of_date from {{ ref('int_months') }}
),

population as (
    select * from {{ ref('int_paying_account_snapshots') }}
    where {{ recomputed }}
),

crm as (
    select * from {{ ref('int_account_crm_features') }}
    where {{ recomputed }}
),

usage as (
    select * from {{ ref('int_account_usage_features') }}
    where {{ recomputed }}
),

orders as (
    select * from {{ ref('int_account_order_features') }}
    where {{ recomputed }}
),

-- The label looks ahead with everything known now: an MRR-raising plan or seat change, an
-- extra subscription, or a completed add-on order in (T, T + horizon].
expansion_events as (
    select account_id, effective_at as expanded_at
    from (
        select
            events.account_id,
            events.subscription_id,
            events.event_type,
            events.effective_at,
            cast(plans.unit_price as decimal(38, 4)) * events.quantity * (100 - events.discount_pct)
                / plans.billing_interval_months as value,
            lag(cast(plans.unit_price as decimal(38, 4)) * events.quantity * (100 - events.discount_pct)
                / plans.billing_interval_months) over (
                partition by events.subscription_id
                order by events.effective_at, {{ binary_collation('events.event_id') }}
            ) as previous_value,
            min(events.effective_at) over (partition by events.account_id) as first_event_at
        from {{ ref('stg_sub__subscription_events') }} as events
        inner join {{ ref('stg_sub__plans') }} as plans on events.plan_id = plans.plan_id
    ) as sequenced
    where (event_type in ('plan_changed', 'quantity_changed') and value > previous_value)
        or (event_type = 'created' and effective_at > first_event_at)

    union all

    select orders.account_id, orders.ordered_at
    from {{ ref('int_orders') }} as orders
    where orders.is_completed and orders.has_addon
),

labels as (
    select
        population.account_id,
        population.snapshot_date,
        max(case when expansion_events.expanded_at is not null then 1 else 0 end) as expanded
    from population
    left join expansion_events
        on population.account_id = expansion_events.account_id
        and expansion_events.expanded_at >= population.snapshot_before
        and expansion_events.expanded_at < {{ dbt.dateadd('day', horizon, 'population.snapshot_before') }}
    group by population.account_id, population.snapshot_date
)

select
    population.account_id,
    cast(population.snapshot_date as date) as snapshot_date,
    cast(population.mrr as {{ float_type() }}) as mrr,
    {{ divide('population.mrr - population.mrr_3m_ago', 'population.mrr_3m_ago') }} as mrr_change_3m,
    {{ divide('population.mrr - population.mrr_6m_ago', 'population.mrr_6m_ago') }} as mrr_change_6m,
    {{ divide('population.mrr - population.mrr_12m_ago', 'population.mrr_12m_ago') }} as mrr_change_12m,
    cast(population.tier as bigint) as tier,
    cast(population.seats as bigint) as seats,
    cast(population.discount_pct as {{ float_type() }}) as discount_pct,
    population.has_annual_plan = 1 as has_annual_plan,
    cast(population.paying_subscriptions as bigint) as paying_subscriptions,
    cast({{ dbt.datediff('population.first_paid_snapshot', 'population.snapshot_date', 'month') }} as bigint)
        as tenure_months,
    cast(population.mrr_increases_12m as bigint) as mrr_increases_12m,
    -- mean daily active users / seats, and the change of the mean against the 30 days before
    -- ((a / n - b / m) / (b / m) = (a m - b n) / (b n)): whole numbers divided once
    {{ divide('usage.active_user_days_30d', 'usage.usage_days_30d * population.seats') }}
        as seat_utilisation,
    {{ divide(
        'usage.active_user_days_30d * usage.usage_days_prior_30d'
        ~ ' - usage.active_user_days_prior_30d * usage.usage_days_30d',
        'usage.active_user_days_prior_30d * usage.usage_days_30d') }}
        as seat_utilisation_trend,
    {{ divide('usage.events_30d - usage.events_prior_30d', 'usage.events_prior_30d') }} as usage_growth,
    cast(coalesce(usage.feature_limit_hits_30d, 0) as bigint) as feature_limit_hits_30d,
    cast(coalesce(orders.orders_365d, 0) as bigint) as orders_365d,
    cast(coalesce(orders.addon_orders, 0) as bigint) as addon_orders,
    cast(coalesce(orders.addon_orders_365d, 0) as bigint) as addon_orders_365d,
    coalesce(orders.addon_spend_native, 0) as addon_spend,
    cast(orders.days_since_last_order as bigint) as days_since_last_order,
    cast(crm.latest_nps as bigint) as latest_nps,
    cast(crm.latest_csat as bigint) as latest_csat,
    cast(coalesce(crm.tickets_90d, 0) as bigint) as tickets_90d,
    cast(coalesce(crm.urgent_tickets_90d, 0) as bigint) as urgent_tickets_90d,
    cast(coalesce(crm.open_tickets, 0) as bigint) as open_tickets,
    cast(coalesce(crm.activities_90d, 0) as bigint) as activities_90d,
    cast(coalesce(crm.open_expansion_opportunities, 0) as bigint) as open_expansion_opportunities,
    cast(coalesce(crm.offers_180d, 0) as bigint) as offers_180d,
    crm.segment,
    crm.industry,
    crm.country_code,
    cast(crm.employee_count as bigint) as employee_count,
    case
        when {{ dbt.dateadd('day', horizon, 'population.snapshot_date') }} <= (select as_of_date from as_of)
            then labels.expanded = 1
    end as expanded_90d
from population
left join crm
    on population.account_id = crm.account_id and population.snapshot_date = crm.snapshot_date
left join usage
    on population.account_id = usage.account_id and population.snapshot_date = usage.snapshot_date
left join orders
    on population.account_id = orders.account_id and population.snapshot_date = orders.snapshot_date
left join labels
    on population.account_id = labels.account_id and population.snapshot_date = labels.snapshot_date
