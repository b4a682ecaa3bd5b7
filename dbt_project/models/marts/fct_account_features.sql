{{ config(
    materialized='incremental',
    unique_key='snapshot_date',
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}
-- The propensity model's feature table (propensity.md): one row per paying account and
-- month-end snapshot date T. Every feature is point in time: it uses only rows whose event time
-- is <= T and that had been delivered by T (late rows do not leak into earlier snapshots), and
-- for rows that change (accounts, orders, tickets, opportunities) the version known at T.
-- The label expanded_90d looks ahead with everything known today; it is null while the
-- 90-day window is not fully observed.
-- Incremental: a snapshot's features never change once it is taken (point in time), only its
-- label does, until its window closes and the late deliveries for it are in. So a daily run
-- recomputes the snapshots of the last `features_recompute_days` (default: the label horizon
-- plus three months of late deliveries) and keeps the older ones; `full_refresh` rebuilds all.
{%- set horizon = var('label_horizon_days', 90) %}
{%- set recompute_days = var('features_recompute_days', 183) %}

with snapshots as (
    select
        month,
        rate_date as snapshot_date,
        rate_date as known_by,
        snapshot_before
    from {{ ref('int_months') }}
    where is_complete_month
),

as_of as (
    select max(rate_date) as as_of_date from {{ ref('int_months') }}
),

known_states as (
    {{ subscription_states('snapshots', 'known_by') }}
),

subscription_values as (
    select
        known_states.*,
        known_states.mrr_numerator * fx.rate_to_reporting / 1200 as mrr_reporting
    from known_states
    left join {{ ref('int_fx_rates_monthly') }} as fx
        on known_states.month = fx.month and known_states.currency = fx.currency
),

account_states as (
    select
        account_id,
        month,
        sum(mrr_reporting) as mrr,
        sum(case when is_live then quantity else 0 end) as seats,
        sum(case when is_live and mrr_native > 0 then 1 else 0 end) as paying_subscriptions,
        max(case when is_live then tier end) as tier,
        max(case when is_live then discount_pct end) as discount_pct,
        max(case when is_live and billing_interval_months = 12 then 1 else 0 end) as has_annual_plan
    from subscription_values
    group by account_id, month
),

account_history as (
    select
        account_states.*,
        snapshots.snapshot_date,
        snapshots.snapshot_before,
        lag(mrr, 3) over w as mrr_3m_ago,
        lag(mrr, 6) over w as mrr_6m_ago,
        lag(mrr, 12) over w as mrr_12m_ago,
        min(case when mrr > 0 then snapshots.snapshot_date end) over (
            partition by account_states.account_id order by account_states.month
            rows between unbounded preceding and current row
        ) as first_paid_snapshot,
        sum(case when mrr > lag_mrr then 1 else 0 end) over (
            partition by account_states.account_id order by account_states.month
            rows between 11 preceding and current row
        ) as mrr_increases_12m
    from (
        select *, lag(mrr) over (partition by account_id order by month) as lag_mrr
        from account_states
    ) as account_states
    inner join snapshots on account_states.month = snapshots.month
    window w as (partition by account_states.account_id order by account_states.month)
),

population as (
    select * from account_history
    where mrr > 0
    {%- if is_incremental() %}
        and snapshot_date > (
            select {{ dbt.dateadd('day', -recompute_days, 'max(snapshot_date)') }} from {{ this }}
        )
    {%- endif %}
),

firmographics as (
    select population.account_id, population.snapshot_date, versions.segment, versions.industry,
        versions.country_code, versions.employee_count,
        row_number() over (
            partition by population.account_id, population.snapshot_date
            order by versions.delivered_on desc, versions.updated_at desc
        ) as recency
    from population
    inner join {{ ref('stg_crm__accounts_versions') }} as versions
        on population.account_id = versions.account_id
        and versions.known_on <= population.snapshot_date
),

usage as (
    select
        population.account_id,
        population.snapshot_date,
        avg(case when daily.usage_date > {{ dbt.dateadd('day', -30, 'population.snapshot_date') }}
            then daily.active_users end) as active_users_30d,
        avg(case when daily.usage_date <= {{ dbt.dateadd('day', -30, 'population.snapshot_date') }}
            then daily.active_users end) as active_users_prior_30d,
        sum(case when daily.usage_date > {{ dbt.dateadd('day', -30, 'population.snapshot_date') }}
            then daily.events else 0 end) as events_30d,
        sum(case when daily.usage_date <= {{ dbt.dateadd('day', -30, 'population.snapshot_date') }}
            then daily.events else 0 end) as events_prior_30d,
        sum(case when daily.usage_date > {{ dbt.dateadd('day', -30, 'population.snapshot_date') }}
            then daily.feature_limit_hits else 0 end) as feature_limit_hits_30d
    from population
    inner join {{ ref('stg_usage__daily') }} as daily
        on population.account_id = daily.account_id
        and daily.usage_date <= population.snapshot_date
        and daily.usage_date > {{ dbt.dateadd('day', -60, 'population.snapshot_date') }}
        and daily.known_on <= population.snapshot_date
    group by population.account_id, population.snapshot_date
),

known_orders as (
    select * from (
        select
            population.account_id,
            population.snapshot_date,
            versions.order_id,
            versions.ordered_at,
            versions.status,
            row_number() over (
                partition by population.snapshot_date, versions.order_id
                order by versions.delivered_on desc, versions.updated_at desc
            ) as recency
        from population
        inner join {{ ref('stg_shop__orders_versions') }} as versions
            on population.account_id = versions.account_id
            and versions.known_on <= population.snapshot_date
            and versions.ordered_at < population.snapshot_before
    ) as ranked
    where recency = 1 and status = 'completed'
),

orders as (
    select
        known_orders.account_id,
        known_orders.snapshot_date,
        count(distinct case when known_orders.ordered_at > {{ dbt.dateadd('day', -365, 'known_orders.snapshot_date') }}
            then known_orders.order_id end) as orders_365d,
        count(distinct case when products.is_addon then known_orders.order_id end) as addon_orders,
        count(distinct case when products.is_addon
            and known_orders.ordered_at > {{ dbt.dateadd('day', -365, 'known_orders.snapshot_date') }}
            then known_orders.order_id end) as addon_orders_365d,
        sum(case when products.is_addon then items.net_amount else 0 end) as addon_spend_native,
        {{ dbt.datediff('max(known_orders.ordered_at)', 'known_orders.snapshot_date', 'day') }}
            as days_since_last_order
    from known_orders
    inner join {{ ref('stg_shop__order_items') }} as items on known_orders.order_id = items.order_id
    inner join {{ ref('stg_shop__products') }} as products on items.product_id = products.product_id
    group by known_orders.account_id, known_orders.snapshot_date
),

surveys as (
    select
        account_id,
        snapshot_date,
        max(case when survey_type = 'nps' and recency = 1 then score end) as latest_nps,
        max(case when survey_type = 'csat' and recency = 1 then score end) as latest_csat
    from (
        select
            population.account_id,
            population.snapshot_date,
            responses.survey_type,
            responses.score,
            row_number() over (
                partition by population.account_id, population.snapshot_date, responses.survey_type
                order by responses.responded_at desc, responses.response_id desc
            ) as recency
        from population
        inner join {{ ref('stg_crm__survey_responses') }} as responses
            on population.account_id = responses.account_id
            and responses.responded_at < population.snapshot_before
            and responses.known_on <= population.snapshot_date
    ) as ranked
    group by account_id, snapshot_date
),

known_tickets as (
    select * from (
        select
            population.account_id,
            population.snapshot_date,
            population.snapshot_before,
            versions.priority,
            versions.opened_at,
            versions.resolved_at,
            row_number() over (
                partition by population.snapshot_date, versions.ticket_id
                order by versions.delivered_on desc, versions.updated_at desc
            ) as recency
        from population
        inner join {{ ref('stg_crm__support_tickets_versions') }} as versions
            on population.account_id = versions.account_id
            and versions.known_on <= population.snapshot_date
            and versions.opened_at < population.snapshot_before
    ) as ranked
    where recency = 1
),

tickets as (
    select
        account_id,
        snapshot_date,
        sum(case when opened_at > {{ dbt.dateadd('day', -90, 'snapshot_date') }} then 1 else 0 end)
            as tickets_90d,
        sum(case when priority = 'urgent' and opened_at > {{ dbt.dateadd('day', -90, 'snapshot_date') }}
            then 1 else 0 end) as urgent_tickets_90d,
        sum(case when resolved_at is null or resolved_at >= snapshot_before then 1 else 0 end)
            as open_tickets
    from known_tickets
    group by account_id, snapshot_date
),

activities as (
    select population.account_id, population.snapshot_date, count(*) as activities_90d
    from population
    inner join {{ ref('stg_crm__activities') }} as activities
        on population.account_id = activities.account_id
        and activities.occurred_at < population.snapshot_before
        and activities.occurred_at > {{ dbt.dateadd('day', -90, 'population.snapshot_date') }}
        and activities.known_on <= population.snapshot_date
    group by population.account_id, population.snapshot_date
),

opportunities as (
    select account_id, snapshot_date, count(*) as open_expansion_opportunities
    from (
        select
            population.account_id,
            population.snapshot_date,
            versions.stage,
            versions.opportunity_type,
            row_number() over (
                partition by population.snapshot_date, versions.opportunity_id
                order by versions.delivered_on desc, versions.updated_at desc
            ) as recency
        from population
        inner join {{ ref('stg_crm__opportunities_versions') }} as versions
            on population.account_id = versions.account_id
            and versions.known_on <= population.snapshot_date
            and versions.created_at < population.snapshot_before
    ) as ranked
    where recency = 1 and stage = 'open' and opportunity_type in ('upsell', 'cross_sell')
    group by account_id, snapshot_date
),

offers as (
    select population.account_id, population.snapshot_date, count(*) as offers_180d
    from population
    inner join {{ ref('stg_crm__upsell_offers') }} as offers
        on population.account_id = offers.account_id
        and offers.sent_at < population.snapshot_before
        and offers.sent_at > {{ dbt.dateadd('day', -180, 'population.snapshot_date') }}
        and offers.known_on <= population.snapshot_date
    group by population.account_id, population.snapshot_date
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
                partition by events.subscription_id order by events.effective_at, events.event_id
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
    cast(population.mrr as double) as mrr,
    {{ divide('population.mrr - population.mrr_3m_ago', 'population.mrr_3m_ago') }} as mrr_change_3m,
    {{ divide('population.mrr - population.mrr_6m_ago', 'population.mrr_6m_ago') }} as mrr_change_6m,
    {{ divide('population.mrr - population.mrr_12m_ago', 'population.mrr_12m_ago') }} as mrr_change_12m,
    cast(population.tier as bigint) as tier,
    cast(population.seats as bigint) as seats,
    cast(population.discount_pct as double) as discount_pct,
    population.has_annual_plan = 1 as has_annual_plan,
    cast(population.paying_subscriptions as bigint) as paying_subscriptions,
    cast({{ dbt.datediff('population.first_paid_snapshot', 'population.snapshot_date', 'month') }} as bigint)
        as tenure_months,
    cast(population.mrr_increases_12m as bigint) as mrr_increases_12m,
    {{ divide('usage.active_users_30d', 'population.seats') }} as seat_utilisation,
    {{ divide('usage.active_users_30d - usage.active_users_prior_30d', 'usage.active_users_prior_30d') }}
        as seat_utilisation_trend,
    {{ divide('usage.events_30d - usage.events_prior_30d', 'usage.events_prior_30d') }} as usage_growth,
    cast(coalesce(usage.feature_limit_hits_30d, 0) as bigint) as feature_limit_hits_30d,
    cast(coalesce(orders.orders_365d, 0) as bigint) as orders_365d,
    cast(coalesce(orders.addon_orders, 0) as bigint) as addon_orders,
    cast(coalesce(orders.addon_orders_365d, 0) as bigint) as addon_orders_365d,
    cast(coalesce(orders.addon_spend_native, 0) as double) as addon_spend,
    cast(orders.days_since_last_order as bigint) as days_since_last_order,
    cast(surveys.latest_nps as bigint) as latest_nps,
    cast(surveys.latest_csat as bigint) as latest_csat,
    cast(coalesce(tickets.tickets_90d, 0) as bigint) as tickets_90d,
    cast(coalesce(tickets.urgent_tickets_90d, 0) as bigint) as urgent_tickets_90d,
    cast(coalesce(tickets.open_tickets, 0) as bigint) as open_tickets,
    cast(coalesce(activities.activities_90d, 0) as bigint) as activities_90d,
    cast(coalesce(opportunities.open_expansion_opportunities, 0) as bigint) as open_expansion_opportunities,
    cast(coalesce(offers.offers_180d, 0) as bigint) as offers_180d,
    firmographics.segment,
    firmographics.industry,
    firmographics.country_code,
    cast(firmographics.employee_count as bigint) as employee_count,
    case
        when {{ dbt.dateadd('day', horizon, 'population.snapshot_date') }} <= (select as_of_date from as_of)
            then labels.expanded = 1
    end as expanded_90d
from population
left join firmographics
    on population.account_id = firmographics.account_id
    and population.snapshot_date = firmographics.snapshot_date
    and firmographics.recency = 1
left join usage
    on population.account_id = usage.account_id and population.snapshot_date = usage.snapshot_date
left join orders
    on population.account_id = orders.account_id and population.snapshot_date = orders.snapshot_date
left join surveys
    on population.account_id = surveys.account_id and population.snapshot_date = surveys.snapshot_date
left join tickets
    on population.account_id = tickets.account_id and population.snapshot_date = tickets.snapshot_date
left join activities
    on population.account_id = activities.account_id and population.snapshot_date = activities.snapshot_date
left join opportunities
    on population.account_id = opportunities.account_id
    and population.snapshot_date = opportunities.snapshot_date
left join offers
    on population.account_id = offers.account_id and population.snapshot_date = offers.snapshot_date
left join labels
    on population.account_id = labels.account_id and population.snapshot_date = labels.snapshot_date
