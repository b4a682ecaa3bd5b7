{{ config(**snapshot_increments()) }}
-- Web-shop orders up to each snapshot T, in the version known at T, for the feature table.
-- Point in time, so only new snapshots and the latest are computed.
with population as (
    {{ feature_population() }}
),

known_orders as (
    select * from (
        {{ versions_known_at_snapshots(
            ref('stg_shop__orders_versions'), 'order_id', 'ordered_at', ['order_id', 'ordered_at', 'status']
        ) }}
    ) as known
    where status = 'completed'
)

select
    known_orders.account_id,
    known_orders.snapshot_date,
    count(distinct case when known_orders.ordered_at > {{ dbt.dateadd('day', -365, 'known_orders.snapshot_date') }}
        then known_orders.order_id end) as orders_365d,
    count(distinct case when products.is_addon then known_orders.order_id end) as addon_orders,
    count(distinct case when products.is_addon
        and known_orders.ordered_at > {{ dbt.dateadd('day', -365, 'known_orders.snapshot_date') }}
        then known_orders.order_id end) as addon_orders_365d,
    {{ decimal_to_float('sum(case when products.is_addon then items.net_amount else 0 end)') }}
        as addon_spend_native,
    {{ dbt.datediff('max(known_orders.ordered_at)', 'known_orders.snapshot_date', 'day') }}
        as days_since_last_order
from known_orders
inner join {{ ref('stg_shop__order_items') }} as items on known_orders.order_id = items.order_id
inner join {{ ref('stg_shop__products') }} as products on items.product_id = products.product_id
group by known_orders.account_id, known_orders.snapshot_date
