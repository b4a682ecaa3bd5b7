select
    opportunity_id,
    account_id,
    opportunity_type,
    stage,
    amount,
    upper(currency) as currency,
    created_at,
    closed_at,
    updated_at,
    _delivery_date as delivered_on,
    _first_delivery_date as first_delivered_on,
    {{ known_on('updated_at') }} as known_on
from {{ source('raw', 'crm_opportunities') }}
