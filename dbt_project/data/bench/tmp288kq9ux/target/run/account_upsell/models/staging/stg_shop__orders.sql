
  
  create view "warehouse"."staging"."stg_shop__orders__dbt_tmp" as (
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
    case
        when _first_delivery_date = (select min(delivery_date) from "warehouse"."raw"."_deliveries")
            then least(cast(updated_at as date), _first_delivery_date)
        else _first_delivery_date
    end as known_on
from "warehouse"."raw"."shop_orders"
  );
