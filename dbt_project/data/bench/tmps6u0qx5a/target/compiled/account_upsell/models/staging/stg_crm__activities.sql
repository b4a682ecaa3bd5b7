select
    activity_id,
    account_id,
    contact_id,
    activity_type,
    occurred_at,
    _delivery_date as delivered_on,
    _first_delivery_date as first_delivered_on,
    case
        when _first_delivery_date = (select min(delivery_date) from "warehouse"."raw"."_deliveries")
            then least(cast(occurred_at as date), _first_delivery_date)
        else _first_delivery_date
    end as known_on
from "warehouse"."raw"."crm_activities"