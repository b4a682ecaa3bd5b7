select
    response_id,
    account_id,
    contact_id,
    survey_type,
    score,
    responded_at,
    _delivery_date as delivered_on
from {{ source('raw', 'crm_survey_responses') }}
