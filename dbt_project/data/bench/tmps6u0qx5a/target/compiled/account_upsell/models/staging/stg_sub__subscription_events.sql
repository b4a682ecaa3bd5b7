select
    event_id,
    subscription_id,
    account_id,
    event_type,
    effective_at,
    plan_id,
    quantity,
    discount_pct,
    recorded_at,
    _delivery_date as delivered_on,
    _first_delivery_date as first_delivered_on,
    case
        when _first_delivery_date = (select min(delivery_date) from "warehouse"."raw"."_deliveries")
            then least(cast(recorded_at as date), _first_delivery_date)
        else _first_delivery_date
    end as known_on
from "warehouse"."raw"."sub_subscription_events"