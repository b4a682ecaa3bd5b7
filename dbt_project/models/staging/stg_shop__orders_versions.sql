-- Every delivered version of each web-shop order (completed first, maybe refunded later).
select
    order_id,
    updated_at,
    _delivery_date as delivered_on,
    {{ known_on('updated_at', '_delivery_date') }} as known_on,
    account_id,
    ordered_at,
    status,
    upper(currency) as currency,
    order_total
from {{ source('raw', 'shop_orders__history') }}
