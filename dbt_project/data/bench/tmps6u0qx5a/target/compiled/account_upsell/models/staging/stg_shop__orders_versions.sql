-- Every delivered version of each web-shop order (completed first, maybe refunded later).
select
    order_id,
    updated_at,
    _delivery_date as delivered_on,
    case
        when _delivery_date = (select min(delivery_date) from "warehouse"."raw"."_deliveries")
            then least(cast(updated_at as date), _delivery_date)
        else _delivery_date
    end as known_on,
    account_id,
    ordered_at,
    status,
    upper(currency) as currency,
    order_total
from "warehouse"."raw"."shop_orders__history"