select
    ticket_id,
    account_id,
    priority,
    opened_at,
    resolved_at,
    updated_at,
    _delivery_date as delivered_on,
    _first_delivery_date as first_delivered_on,
    {{ known_on('updated_at') }} as known_on
from {{ source('raw', 'crm_support_tickets') }}
