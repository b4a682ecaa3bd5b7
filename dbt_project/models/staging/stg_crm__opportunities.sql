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
    _delivery_date as delivered_on
from {{ source('raw', 'crm_opportunities') }}
