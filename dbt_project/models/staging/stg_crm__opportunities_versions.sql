-- Every delivered version of each opportunity (open first, closed later).
select
    opportunity_id,
    updated_at,
    _delivery_date as delivered_on,
    {{ known_on('updated_at', '_delivery_date') }} as known_on,
    account_id,
    opportunity_type,
    stage,
    created_at,
    closed_at
from {{ source('raw', 'crm_opportunities__history') }}
