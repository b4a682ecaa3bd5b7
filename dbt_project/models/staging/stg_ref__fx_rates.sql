select
    rate_date,
    upper(currency) as currency,
    rate_to_reporting
from {{ source('raw', 'ref_fx_rates') }}
