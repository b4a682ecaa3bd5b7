select
    activity_id,
    account_id,
    contact_id,
    activity_type,
    occurred_at,
    _delivery_date as delivered_on,
    _first_delivery_date as first_delivered_on,
    {{ known_on('occurred_at') }} as known_on
from {{ source('raw', 'crm_activities') }}
