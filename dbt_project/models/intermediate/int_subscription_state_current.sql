-- Each subscription's state as of the latest delivery (its latest month in the state table).
select
    subscription_id,
    account_id,
    last_event_type,
    is_live,
    plan_id,
    tier,
    billing_interval_months,
    currency,
    quantity,
    discount_pct,
    mrr_native
from {{ ref('int_subscription_state_monthly') }}
where month = (select max(month) from {{ ref('int_months') }})
