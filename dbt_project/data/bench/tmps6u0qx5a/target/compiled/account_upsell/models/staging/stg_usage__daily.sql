select
    account_id,
    usage_date,
    active_users,
    events,
    feature_limit_hits,
    _delivery_date as delivered_on,
    _first_delivery_date as first_delivered_on,
    case
        when _first_delivery_date = (select min(delivery_date) from "warehouse"."raw"."_deliveries")
            then least(cast(usage_date as date), _first_delivery_date)
        else _first_delivery_date
    end as known_on
from "warehouse"."raw"."usage_daily"