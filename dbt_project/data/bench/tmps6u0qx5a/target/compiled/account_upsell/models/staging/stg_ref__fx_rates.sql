select
    rate_date,
    upper(currency) as currency,
    rate_to_reporting
from "warehouse"."raw"."ref_fx_rates"