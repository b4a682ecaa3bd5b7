-- SCD2 history of each subscription's state (plan, seats, discount, live or not), from its
-- events: every event states the whole state, so the history is known from the events alone,
-- whenever dbt runs. A version starts at the effective time of an event that changes one of
-- those four and lasts until the next such change (null while current). States take effect
-- up to the end of the latest delivery's date, as the current state does.
with events as (
    {{- subscription_events_with_plans() }}
),

as_of as (
    select max(snapshot_before) as snapshot_before from {{ ref('int_months') }}
),

-- Of events effective at the same time, the one recorded last is the state (as every month's
-- state takes it).
states as (
    select * from (
        select
            *,
            event_type != 'cancelled' as is_live,
            row_number() over (
                partition by subscription_id, effective_at
                order by recorded_at desc, {{ binary_collation('event_id') }} desc
            ) as recency
        from events
        where effective_at < (select snapshot_before from as_of)
    ) as ranked
    where recency = 1
),

compared as (
    select
        *,
        row_number() over w as state_number,
        lag(plan_id) over w as previous_plan_id,
        lag(quantity) over w as previous_quantity,
        lag(discount_pct) over w as previous_discount_pct,
        lag(is_live) over w as previous_is_live
    from states
    window w as (partition by subscription_id order by effective_at)
),

changes as (
    select *
    from compared
    where state_number = 1
        or plan_id != previous_plan_id
        or quantity != previous_quantity
        or discount_pct != previous_discount_pct
        or is_live != previous_is_live
)

select
    subscription_id,
    account_id,
    event_type as last_event_type,
    is_live,
    plan_id,
    tier,
    billing_interval_months,
    currency,
    quantity,
    discount_pct,
    {{ mrr_native() }} as mrr_native,
    {{ scd_id('subscription_id', 'effective_at') }} as dbt_scd_id,
    recorded_at as dbt_updated_at,
    effective_at as dbt_valid_from,
    lead(effective_at) over (partition by subscription_id order by effective_at) as dbt_valid_to
from changes
