select
    account_id,
    usage_date,
    active_users,
    events,
    feature_limit_hits,
    _delivery_date as delivered_on,
    _first_delivery_date as first_delivered_on,
    {{ known_on('usage_date') }} as known_on
from {{ source('raw', 'usage_daily') }}
