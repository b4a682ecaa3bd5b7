select
    order_id,
    account_id,
    ordered_at,
    status,
    upper(currency) as currency,
    order_total,
    updated_at,
    _delivery_date as delivered_on,
    _first_delivery_date as first_delivered_on,
    {{ known_on('updated_at') }} as known_on
from {{ source('raw', 'shop_orders') }}
