select
    account_id,
    account_name,
    industry,
    upper(country) as country_code,
    segment,
    employee_count,
    upper(billing_currency) as billing_currency,
    created_at,
    updated_at,
    _delivery_date as delivered_on,
    _first_delivery_date as first_delivered_on,
    {{ known_on('updated_at') }} as known_on
from {{ source('raw', 'crm_accounts') }}
