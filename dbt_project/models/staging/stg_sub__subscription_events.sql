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
    {{ known_on('recorded_at') }} as known_on
from {{ source('raw', 'sub_subscription_events') }}
