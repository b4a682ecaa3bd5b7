-- The add-ons an account owns: one row per account and add-on product it has bought in a
-- completed web-shop order. customer_360 counts and lists them; the scoring asset offers the
-- next one from them.
select distinct
    orders.account_id,
    items.product_id
from {{ ref('int_orders') }} as orders
inner join {{ ref('stg_shop__order_items') }} as items on orders.order_id = items.order_id
inner join {{ ref('stg_shop__products') }} as products on items.product_id = products.product_id
where orders.is_completed and products.is_addon
