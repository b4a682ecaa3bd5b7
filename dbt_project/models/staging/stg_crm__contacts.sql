-- PII stops here: email and full name are replaced by a salted hash of the email, the only
-- contact reference an analyst ever sees. A table, not a view: the salt exists only on dbt's
-- connections, so the hash must be computed while dbt runs.
{{ config(materialized='table') }}
select
    contact_id,
    account_id,
    {{ pii_hash('email') }} as contact_ref,
    job_title,
    is_primary,
    created_at,
    updated_at,
    _delivery_date as delivered_on,
    _first_delivery_date as first_delivered_on,
    {{ known_on('updated_at') }} as known_on
from {{ source('raw', 'crm_contacts') }}
