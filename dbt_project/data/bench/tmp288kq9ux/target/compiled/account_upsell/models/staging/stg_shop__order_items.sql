select
    order_item_id,
    order_id,
    product_id,
    quantity,
    unit_price,
    discount_amount,
    quantity * unit_price - discount_amount as net_amount
from "warehouse"."raw"."shop_order_items"