-- Every delivered version of each account, for "what was known at date T" questions.
select
    account_id,
    updated_at,
    _delivery_date as delivered_on,
    {{ known_on('updated_at', '_delivery_date') }} as known_on,
    segment,
    industry,
    upper(country) as country_code,
    employee_count,
    account_name,
    upper(billing_currency) as billing_currency,
    created_at,
    _first_delivery_date as first_delivered_on
from {{ source('raw', 'crm_accounts__history') }}
