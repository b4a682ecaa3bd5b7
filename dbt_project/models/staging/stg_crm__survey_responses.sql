select
    response_id,
    account_id,
    contact_id,
    survey_type,
    score,
    responded_at,
    _delivery_date as delivered_on,
    _first_delivery_date as first_delivered_on,
    {{ known_on('responded_at') }} as known_on
from {{ source('raw', 'crm_survey_responses') }}
