select
    product_id,
    product_name,
    category,
    is_addon,
    upper(currency) as currency,
    list_price
from "warehouse"."raw"."shop_products"