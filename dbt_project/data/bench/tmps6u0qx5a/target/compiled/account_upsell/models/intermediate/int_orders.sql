-- Web-shop orders with their value in the reporting currency at the order date's rate, and
-- the part of it that is add-ons.
with lines as (
    select
        items.order_id,
        sum(items.net_amount) as net_amount,
        sum(case when products.is_addon then items.net_amount else 0 end) as addon_net_amount,
        max(case when products.is_addon then 1 else 0 end) = 1 as has_addon
    from "warehouse"."staging"."stg_shop__order_items" as items
    inner join "warehouse"."staging"."stg_shop__products" as products
        on items.product_id = products.product_id
    group by items.order_id
)

select
    orders.order_id,
    orders.account_id,
    orders.ordered_at,
    cast(orders.ordered_at as date) as order_date,
    cast(date_trunc('month', orders.ordered_at) as date) as order_month,
    orders.status,
    orders.status = 'completed' as is_completed,
    orders.currency,
    orders.order_total,
    cast(cast(orders.order_total as decimal(38, 4)) * fx.rate_to_reporting as decimal(18, 2)) as revenue,
    cast(cast(coalesce(lines.addon_net_amount, 0) as decimal(38, 4)) * fx.rate_to_reporting as decimal(18, 2))
        as addon_revenue,
    coalesce(lines.has_addon, false) as has_addon
from "warehouse"."staging"."stg_shop__orders" as orders
left join lines
    on orders.order_id = lines.order_id
left join "warehouse"."intermediate"."int_fx_rates_daily" as fx
    on orders.currency = fx.currency
    and cast(orders.ordered_at as date) = fx.rate_date