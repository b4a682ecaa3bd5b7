{{ config(**snapshot_increments()) }}
-- Each account's subscription state at every month-end snapshot as it was known then (point
-- in time), with its MRR lags, for the feature table. Only the snapshots not stored yet, and
-- the latest one, are computed (macro unfrozen_snapshots). The lags are computed here, apart
-- from fct_account_features' joins: at 1M accounts the two do not fit DuckDB's 4 GB in one
-- query (docs/BENCHMARKS.md).
with snapshots as (
    select
        month,
        rate_date as snapshot_date,
        rate_date as known_by,
        snapshot_before
    from {{ ref('int_months') }}
    where is_complete_month and {{ unfrozen_snapshots('rate_date') }}
),

known_states as (
    {{ subscription_states('snapshots', 'known_by') }}
),

subscription_values as (
    select
        known_states.*,
        -- 1200 x MRR in the reporting currency, exact: divided once, after the sum
        known_states.mrr_numerator * fx.rate_to_reporting as mrr_numerator_reporting
    from known_states
    left join {{ ref('int_fx_rates_monthly') }} as fx
        on known_states.month = fx.month and known_states.currency = fx.currency
),

account_states as (
    select
        subscription_values.account_id,
        snapshots.month,
        snapshots.snapshot_date,
        snapshots.snapshot_before,
        {{ decimal_to_float('sum(subscription_values.mrr_numerator_reporting)') }} / 1200 as mrr,
        cast(sum(case when subscription_values.is_live then subscription_values.quantity else 0 end) as bigint)
            as seats,
        cast(sum(case when subscription_values.is_live and subscription_values.mrr_native > 0 then 1 else 0 end)
            as bigint) as paying_subscriptions,
        max(case when subscription_values.is_live then subscription_values.tier end) as tier,
        max(case when subscription_values.is_live then subscription_values.discount_pct end) as discount_pct,
        max(case when subscription_values.is_live and subscription_values.billing_interval_months = 12
            then 1 else 0 end) as has_annual_plan
    from subscription_values
    inner join snapshots on subscription_values.month = snapshots.month
    group by
        subscription_values.account_id, snapshots.month, snapshots.snapshot_date, snapshots.snapshot_before
),

-- The lags read the stored earlier snapshots: they are point in time too, so never change.
history as (
    select account_id, month, snapshot_date, mrr from account_states
    {%- if is_incremental() %}
    union all
    select account_id, month, snapshot_date, mrr from {{ this }}
    where not ({{ unfrozen_snapshots() }})
    {%- endif %}
),

lagged as (
    select
        account_id,
        month,
        lag(mrr, 3) over w as mrr_3m_ago,
        lag(mrr, 6) over w as mrr_6m_ago,
        lag(mrr, 12) over w as mrr_12m_ago,
        min(case when mrr > 0 then snapshot_date end) over (
            partition by account_id order by month
            rows between unbounded preceding and current row
        ) as first_paid_snapshot,
        cast(sum(case when mrr > previous_mrr then 1 else 0 end) over (
            partition by account_id order by month
            rows between 11 preceding and current row
        ) as bigint) as mrr_increases_12m
    from (
        select *, lag(mrr) over (partition by account_id order by month) as previous_mrr
        from history
    ) as history
    window w as (partition by account_id order by month)
)

select
    account_states.*,
    lagged.mrr_3m_ago,
    lagged.mrr_6m_ago,
    lagged.mrr_12m_ago,
    lagged.first_paid_snapshot,
    lagged.mrr_increases_12m
from account_states
inner join lagged
    on account_states.account_id = lagged.account_id and account_states.month = lagged.month
