select
    ticket_id,
    account_id,
    priority,
    opened_at,
    resolved_at,
    updated_at,
    _delivery_date as delivered_on
from {{ source('raw', 'crm_support_tickets') }}
