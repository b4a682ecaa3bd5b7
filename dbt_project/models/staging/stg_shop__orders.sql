select
    order_id,
    account_id,
    ordered_at,
    status,
    upper(currency) as currency,
    order_total,
    updated_at,
    _delivery_date as delivered_on
from {{ source('raw', 'shop_orders') }}
