-- Every delivered version of each support ticket (open first, resolved later).
select
    ticket_id,
    updated_at,
    _delivery_date as delivered_on,
    {{ known_on('updated_at', '_delivery_date') }} as known_on,
    account_id,
    priority,
    opened_at,
    resolved_at
from {{ source('raw', 'crm_support_tickets__history') }}
