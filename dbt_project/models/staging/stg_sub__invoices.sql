select
    invoice_id,
    subscription_id,
    account_id,
    issued_at,
    due_at,
    amount,
    upper(currency) as currency,
    status,
    paid_at,
    _delivery_date as delivered_on,
    _first_delivery_date as first_delivered_on,
    {{ known_on('issued_at') }} as known_on
from {{ source('raw', 'sub_invoices') }}
