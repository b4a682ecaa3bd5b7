select
    activity_id,
    account_id,
    contact_id,
    activity_type,
    occurred_at,
    _delivery_date as delivered_on
from {{ source('raw', 'crm_activities') }}
