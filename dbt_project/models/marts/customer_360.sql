{{ config(materialized='table') }}
-- One row per account, as of the latest delivery (docs/metrics.md). No PII: people are not named
-- here, and contacts appear only as counts. Money in the reporting currency. The model
-- columns stay null until the scoring asset has written ml.propensity_scores.

with as_of as (
    select
        max(month) as current_month,
        max(rate_date) as as_of_date
    from {{ ref('int_months') }}
),

mrr as (
    select
        account_id,
        min(case when ending_mrr > 0 then month end) as first_paid_month,
        sum(case when month = (select current_month from as_of) then ending_mrr end) as mrr_now,
        sum(case when month = {{ dbt.dateadd('month', -3, '(select current_month from as_of)') }}
            then ending_mrr end) as mrr_3m_ago,
        sum(case when month = {{ dbt.dateadd('month', -6, '(select current_month from as_of)') }}
            then ending_mrr end) as mrr_6m_ago,
        sum(case when month = {{ dbt.dateadd('month', -12, '(select current_month from as_of)') }}
            then ending_mrr end) as mrr_12m_ago
    from {{ ref('fct_mrr_movements') }}
    group by account_id
),

subscriptions as (
    select
        account_id,
        sum(case when is_live then quantity else 0 end) as seats,
        count(case when is_live then 1 end) as live_subscriptions
    from {{ ref('int_subscription_state_current') }}
    group by account_id
),

main_subscription as (
    select account_id, plan_id, tier, discount_pct, billing_interval_months
    from (
        select
            *,
            row_number() over (
                partition by account_id
                order by mrr_native desc, {{ binary_collation('subscription_id') }}
            ) as rank_in_account
        from {{ ref('int_subscription_state_current') }}
        where is_live
    ) as ranked
    where rank_in_account = 1
),

usage as (
    select
        account_id,
        avg(case when usage_date > {{ dbt.dateadd('day', -30, '(select as_of_date from as_of)') }}
            then active_users end) as active_users_30d,
        avg(case when usage_date <= {{ dbt.dateadd('day', -30, '(select as_of_date from as_of)') }}
            and usage_date > {{ dbt.dateadd('day', -60, '(select as_of_date from as_of)') }}
            then active_users end) as active_users_prior_30d,
        sum(case when usage_date > {{ dbt.dateadd('day', -30, '(select as_of_date from as_of)') }}
            then feature_limit_hits else 0 end) as feature_limit_hits_30d
    from {{ ref('stg_usage__daily') }}
    where usage_date > {{ dbt.dateadd('day', -60, '(select as_of_date from as_of)') }}
    group by account_id
),

orders as (
    select
        account_id,
        count(*) as lifetime_orders,
        sum(revenue) as lifetime_order_revenue,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        sum(case when order_date > {{ dbt.dateadd('day', -90, '(select as_of_date from as_of)') }}
            then 1 else 0 end) as orders_90d,
        sum(case when order_date > {{ dbt.dateadd('day', -365, '(select as_of_date from as_of)') }}
            then 1 else 0 end) as orders_365d
    from {{ ref('int_orders') }}
    where is_completed
    group by account_id
),

addons as (
    select
        account_id,
        count(distinct product_id) as addons_owned,
        {{ distinct_list('product_id', "', '") }} as addon_products
    from {{ ref('int_account_addons_owned') }}
    group by account_id
),

surveys as (
    select
        account_id,
        max(case when survey_type = 'nps' and recency = 1 then score end) as latest_nps,
        max(case when survey_type = 'csat' and recency = 1 then score end) as latest_csat
    from (
        select
            *,
            row_number() over (
                partition by account_id, survey_type
                order by responded_at desc, {{ binary_collation('response_id') }} desc
            ) as recency
        from {{ ref('stg_crm__survey_responses') }}
    ) as ranked
    group by account_id
),

tickets as (
    select
        account_id,
        sum(case when resolved_at is null then 1 else 0 end) as open_tickets,
        sum(case when opened_at > {{ dbt.dateadd('day', -90, '(select as_of_date from as_of)') }}
            then 1 else 0 end) as tickets_90d,
        sum(case when priority = 'urgent'
            and opened_at > {{ dbt.dateadd('day', -90, '(select as_of_date from as_of)') }}
            then 1 else 0 end) as urgent_tickets_90d
    from {{ ref('stg_crm__support_tickets') }}
    group by account_id
),

opportunities as (
    select account_id, count(*) as open_expansion_opportunities
    from {{ ref('stg_crm__opportunities') }}
    where stage = 'open' and opportunity_type in ('upsell', 'cross_sell')
    group by account_id
),

activities as (
    select account_id, max(occurred_at) as last_activity_at
    from {{ ref('stg_crm__activities') }}
    group by account_id
),

invoices as (
    select account_id, sum(amount_reporting) as paid_invoices
    from {{ ref('int_paid_invoices') }}
    group by account_id
)

select
    accounts.account_id,
    accounts.account_name,
    accounts.industry,
    accounts.country_code,
    accounts.segment,
    cast(accounts.employee_count as bigint) as employee_count,
    cast(mrr.first_paid_month as date) as first_paid_month,
    cast(case when mrr.first_paid_month is not null then
        {{ dbt.datediff('mrr.first_paid_month', '(select current_month from as_of)', 'month') }}
    end as bigint) as tenure_months,
    case
        when coalesce(mrr.mrr_now, 0) > 0 then 'active'
        when mrr.first_paid_month is not null then 'churned'
        else 'never_paid'
    end as status,
    main_subscription.plan_id as current_plan_id,
    cast(main_subscription.tier as bigint) as current_tier,
    cast(main_subscription.billing_interval_months as bigint) as billing_interval_months,
    cast(subscriptions.seats as bigint) as seats,
    cast(main_subscription.discount_pct as {{ float_type() }}) as discount_pct,
    cast(coalesce(mrr.mrr_now, 0) as decimal(18, 2)) as mrr_now,
    cast(mrr.mrr_3m_ago as decimal(18, 2)) as mrr_3m_ago,
    cast(mrr.mrr_6m_ago as decimal(18, 2)) as mrr_6m_ago,
    cast(mrr.mrr_12m_ago as decimal(18, 2)) as mrr_12m_ago,
    {{ divide('mrr.mrr_now - mrr.mrr_3m_ago', 'mrr.mrr_3m_ago') }} as mrr_growth_3m,
    {{ divide('mrr.mrr_now - mrr.mrr_6m_ago', 'mrr.mrr_6m_ago') }} as mrr_growth_6m,
    {{ divide('mrr.mrr_now - mrr.mrr_12m_ago', 'mrr.mrr_12m_ago') }} as mrr_growth_12m,
    case when subscriptions.seats > 0 then {{ divide('usage.active_users_30d', 'subscriptions.seats') }} end
        as seat_utilisation,
    cast(coalesce(usage.feature_limit_hits_30d, 0) as bigint) as feature_limit_hits_30d,
    {{ divide('usage.active_users_30d - usage.active_users_prior_30d', 'usage.active_users_prior_30d') }}
        as usage_trend_30d,
    cast(coalesce(orders.lifetime_orders, 0) as bigint) as lifetime_orders,
    cast(coalesce(orders.lifetime_order_revenue, 0) as decimal(18, 2)) as lifetime_order_revenue,
    orders.first_order_date,
    orders.last_order_date,
    cast(coalesce(orders.orders_90d, 0) as bigint) as orders_90d,
    cast(coalesce(orders.orders_365d, 0) as bigint) as orders_365d,
    coalesce(orders.lifetime_orders, 0) >= 2 as is_repeat_buyer,
    cast(coalesce(addons.addons_owned, 0) as bigint) as addons_owned,
    addons.addon_products,
    cast(surveys.latest_nps as bigint) as latest_nps,
    cast(surveys.latest_csat as bigint) as latest_csat,
    cast(coalesce(tickets.open_tickets, 0) as bigint) as open_tickets,
    cast(coalesce(tickets.tickets_90d, 0) as bigint) as tickets_90d,
    cast(coalesce(tickets.urgent_tickets_90d, 0) as bigint) as urgent_tickets_90d,
    cast(coalesce(opportunities.open_expansion_opportunities, 0) as bigint) as open_expansion_opportunities,
    activities.last_activity_at,
    cast(coalesce(invoices.paid_invoices, 0) + coalesce(orders.lifetime_order_revenue, 0) as decimal(18, 2))
        as lifetime_revenue,
    cast(scores.probability as {{ float_type() }}) as upsell_propensity,
    cast(scores.decile as bigint) as propensity_decile,
    scores.reasons as propensity_reasons,
    scores.recommended_offer,
    scores.model_version
from {{ ref('stg_crm__accounts') }} as accounts
left join mrr on accounts.account_id = mrr.account_id
left join subscriptions on accounts.account_id = subscriptions.account_id
left join main_subscription on accounts.account_id = main_subscription.account_id
left join usage on accounts.account_id = usage.account_id
left join orders on accounts.account_id = orders.account_id
left join addons on accounts.account_id = addons.account_id
left join surveys on accounts.account_id = surveys.account_id
left join tickets on accounts.account_id = tickets.account_id
left join opportunities on accounts.account_id = opportunities.account_id
left join activities on accounts.account_id = activities.account_id
left join invoices on accounts.account_id = invoices.account_id
left join {{ source('ml', 'propensity_scores') }} as scores
    on accounts.account_id = scores.account_id
