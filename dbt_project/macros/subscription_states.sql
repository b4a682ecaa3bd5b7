{#- Each subscription's state at the end of every period in `periods` (columns month and
    snapshot_before): the latest event effective before the period's snapshot time. Events
    state the whole state (plan, seats, discount), so the latest one is the state; an
    up-and-down inside a period nets out. With `known_by` (a DATE column of `periods`), only
    events delivered by that date count: the state as it was known then (point in time). -#}
{% macro subscription_states(periods, known_by=none) %}
with events as (
    {{- subscription_events_with_plans() }}
),

{%- if known_by %}

subscriptions as (
    select subscription_id, account_id, min(effective_at) as first_effective_at
    from events
    group by subscription_id, account_id
),

subscription_months as (
    select
        subscriptions.subscription_id,
        subscriptions.account_id,
        months.month,
        months.snapshot_before,
        months.{{ known_by }} as known_by
    from subscriptions
    inner join {{ periods }} as months
        on months.snapshot_before > subscriptions.first_effective_at
),

-- What was known depends on the period, so the events known by then are ranked in each
-- (taking the interval's event as below and ranking only late events gives the same rows, but
-- peaks higher at 1M accounts and is not faster: docs/BENCHMARKS.md).
states as (
    select * from (
        select
            subscription_months.subscription_id,
            subscription_months.account_id,
            subscription_months.month,
            events.event_type,
            events.plan_id,
            events.tier,
            events.billing_interval_months,
            events.currency,
            events.quantity,
            events.discount_pct,
            events.unit_price,
            row_number() over (
                partition by subscription_months.subscription_id, subscription_months.month
                order by
                    events.effective_at desc,
                    events.recorded_at desc,
                    {{ binary_collation('events.event_id') }} desc
            ) as recency
        from subscription_months
        inner join events
            on events.subscription_id = subscription_months.subscription_id
            and events.effective_at < subscription_months.snapshot_before
            and events.known_on <= subscription_months.known_by
    ) as ranked
    where recency = 1
)
{%- else %}

-- With everything known, an event is the state from its effective time until the next
-- event's: each period joins the one event whose interval holds its snapshot time, instead
-- of ranking every earlier event in every period (at 100k accounts 6x faster).
sequenced as (
    select
        events.*,
        lead(events.effective_at) over (
            partition by events.subscription_id
            order by events.effective_at, events.recorded_at, {{ binary_collation('events.event_id') }}
        ) as next_effective_at
    from events
),

states as (
    select
        sequenced.subscription_id,
        sequenced.account_id,
        months.month,
        sequenced.event_type,
        sequenced.plan_id,
        sequenced.tier,
        sequenced.billing_interval_months,
        sequenced.currency,
        sequenced.quantity,
        sequenced.discount_pct,
        sequenced.unit_price
    from sequenced
    inner join {{ periods }} as months
        on months.snapshot_before > sequenced.effective_at
        and (
            sequenced.next_effective_at is null
            or months.snapshot_before <= sequenced.next_effective_at
        )
)
{%- endif %}

select
    subscription_id,
    account_id,
    month,
    event_type as last_event_type,
    event_type != 'cancelled' as is_live,
    plan_id,
    tier,
    billing_interval_months,
    currency,
    quantity,
    discount_pct,
    -- MRR = unit_price x quantity x (1 - discount_pct / 100) / billing_interval_months.
    -- mrr_numerator is 1200 x MRR, computed without any division (12 / interval is a whole
    -- number for monthly and annual plans): the marts divide once, exactly, when they round.
    case
        when event_type = 'cancelled' then 0
        else cast(unit_price as decimal(38, 4)) * quantity * (100 - discount_pct)
            * cast(12 / billing_interval_months as integer)
    end as mrr_numerator,
    {{ mrr_native() }} as mrr_native
from states
{% endmacro %}
