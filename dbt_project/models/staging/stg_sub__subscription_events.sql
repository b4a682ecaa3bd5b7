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
    _delivery_date as delivered_on
from {{ source('raw', 'sub_subscription_events') }}
