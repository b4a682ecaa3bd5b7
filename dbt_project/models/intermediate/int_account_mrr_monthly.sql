-- Account MRR per month and plan currency, in that currency, with the month's FX rate: the
-- input of the MRR movements, which need the currencies apart to size the FX effect.
select
    state.account_id,
    state.month,
    state.currency,
    -- types stated: PostgreSQL's sum and max of a decimal drop its scale
    cast(sum(state.mrr_native) as decimal(38, 10)) as mrr_native,
    sum(state.mrr_numerator) as mrr_numerator,
    sum(case when state.is_live and state.mrr_native > 0 then 1 else 0 end) as paying_subscriptions,
    cast(max(fx.rate_to_reporting) as decimal(18, 8)) as fx_rate,
    max(case when months.is_complete_month then 1 else 0 end) = 1 as is_complete_month
from {{ ref('int_subscription_state_monthly') }} as state
inner join {{ ref('int_months') }} as months
    on state.month = months.month
left join {{ ref('int_fx_rates_monthly') }} as fx
    on state.month = fx.month
    and state.currency = fx.currency
group by state.account_id, state.month, state.currency
