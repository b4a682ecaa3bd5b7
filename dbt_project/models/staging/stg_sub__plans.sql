select
    plan_id,
    plan_name,
    tier,
    billing_interval_months,
    upper(currency) as currency,
    unit_price,
    -- MRR of one undiscounted seat; a plan billed every N months is divided by N (docs/metrics.md)
    unit_price / billing_interval_months as mrr_per_seat
from {{ source('raw', 'sub_plans') }}
