-- Each upsell offer and whether it converted (docs/metrics.md): within conversion_window_days after
-- sent_at (after it, up to and including the window's last moment) the account takes what was
-- offered. plan_upgrade: a subscription event to a plan of higher tier; seat_pack: a quantity
-- increase; addon: a completed order containing the offered product. Revenue is the MRR
-- increase (upgrades, seats) or the order's net amount (add-ons), in the reporting currency.
{% set window_days = var('conversion_window_days') %}

with events as (
    select
        events.account_id,
        events.effective_at,
        plans.tier,
        events.quantity,
        plans.tier > lag(plans.tier) over w as is_upgrade,
        events.quantity > lag(events.quantity) over w as is_seat_increase,
        events.event_type != 'cancelled' as is_live,
        cast(plans.unit_price as decimal(38, 4)) * events.quantity * (100 - events.discount_pct)
            / (100 * plans.billing_interval_months) as mrr,
        lag(cast(plans.unit_price as decimal(38, 4)) * events.quantity * (100 - events.discount_pct)
            / (100 * plans.billing_interval_months)) over w as previous_mrr,
        plans.currency
    from {{ ref('stg_sub__subscription_events') }} as events
    inner join {{ ref('stg_sub__plans') }} as plans
        on events.plan_id = plans.plan_id
    window w as (
        partition by events.subscription_id
        order by events.effective_at, {{ binary_collation('events.event_id') }}
    )
),

takes as (
    select
        offers.offer_id,
        events.effective_at as converted_at,
        (events.mrr - events.previous_mrr) * fx.rate_to_reporting as revenue
    from {{ ref('stg_crm__upsell_offers') }} as offers
    inner join events
        on offers.account_id = events.account_id
        and events.effective_at > offers.sent_at
        and events.effective_at <= {{ dbt.dateadd('day', window_days, 'offers.sent_at') }}
        and events.is_live
        and (
            (offers.offer_type = 'plan_upgrade' and events.is_upgrade)
            or (offers.offer_type = 'seat_pack' and events.is_seat_increase)
        )
    left join {{ ref('int_fx_rates_daily') }} as fx
        on events.currency = fx.currency and cast(events.effective_at as date) = fx.rate_date

    union all

    select
        offers.offer_id,
        orders.ordered_at as converted_at,
        orders.revenue
    from {{ ref('stg_crm__upsell_offers') }} as offers
    inner join {{ ref('int_orders') }} as orders
        on offers.account_id = orders.account_id
        and orders.is_completed
        and orders.ordered_at > offers.sent_at
        and orders.ordered_at <= {{ dbt.dateadd('day', window_days, 'offers.sent_at') }}
    inner join {{ ref('stg_shop__order_items') }} as items
        on orders.order_id = items.order_id
        and items.product_id = offers.offered_item
    where offers.offer_type = 'addon'
),

first_take as (
    select
        offer_id,
        converted_at,
        revenue,
        row_number() over (partition by offer_id order by converted_at) as take_number
    from takes
)

select
    offers.offer_id,
    offers.account_id,
    offers.campaign_id,
    offers.variant,
    offers.offer_type,
    offers.offered_item,
    offers.channel,
    offers.sent_at,
    first_take.offer_id is not null as converted,
    first_take.converted_at,
    -- a take's revenue is null only without a rate: the not_null test catches it, not a 0
    cast(case when first_take.offer_id is null then 0 else first_take.revenue end as decimal(18, 2))
        as conversion_revenue
from {{ ref('stg_crm__upsell_offers') }} as offers
left join first_take
    on offers.offer_id = first_take.offer_id
    and first_take.take_number = 1
