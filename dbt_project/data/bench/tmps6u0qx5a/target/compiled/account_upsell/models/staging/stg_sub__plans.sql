select
    plan_id,
    plan_name,
    tier,
    billing_interval_months,
    upper(currency) as currency,
    unit_price,
    -- MRR of one undiscounted seat; annual plans are divided by 12 (metrics.md)
    unit_price / billing_interval_months as mrr_per_seat
from "warehouse"."raw"."sub_plans"