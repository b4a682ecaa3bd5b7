select
    account_id,
    usage_date,
    active_users,
    events,
    feature_limit_hits,
    _delivery_date as delivered_on
from {{ source('raw', 'usage_daily') }}
