{{ config(materialized='table') }}
-- One row per account and month from the account's first active month on. Movements are
-- classified and sized at constant currency (both ends at month M's rate); the change that
-- comes only from the rate moving is fx_adjustment_mrr, so that per row
-- starting + new + expansion + reactivation - contraction - churned + fx_adjustment = ending.
-- Amounts are rounded to the cent before the movement is taken as a difference, so the
-- identity holds exactly on the published (rounded) figures.
with by_currency as (
    select
        account_id,
        month,
        currency,
        mrr_numerator,
        fx_rate,
        is_complete_month,
        coalesce(lag(mrr_numerator) over (partition by account_id, currency order by month), 0)
            as previous_mrr_numerator,
        coalesce(lag(fx_rate) over (partition by account_id, currency order by month), fx_rate)
            as previous_fx_rate
    from {{ ref('int_account_mrr_monthly') }}
),

-- mrr_numerator is 1200 x MRR in the plan's currency (see int_subscription_state_monthly)
summed as (
    select
        account_id,
        month,
        min(case when is_complete_month then 1 else 0 end) = 1 as is_complete_month,
        sum(previous_mrr_numerator * previous_fx_rate) as starting_numerator,
        sum(previous_mrr_numerator * fx_rate) as starting_at_current_rate_numerator,
        sum(mrr_numerator * fx_rate) as ending_numerator
    from by_currency
    group by account_id, month
),

accounts as (
    select
        account_id,
        month,
        is_complete_month,
        {{ divide_to_cents('starting_numerator', 1200) }} as starting_mrr,
        {{ divide_to_cents('starting_at_current_rate_numerator', 1200) }} as starting_mrr_at_current_rate,
        {{ divide_to_cents('ending_numerator', 1200) }} as ending_mrr
    from summed
),

history as (
    select
        *,
        max(case when ending_mrr > 0 then 1 else 0 end) over (
            partition by account_id order by month rows between unbounded preceding and 1 preceding
        ) as had_mrr_before,
        min(case when ending_mrr > 0 then month end) over (partition by account_id) as first_active_month
    from accounts
),

classified as (
    select
        *,
        case
            when starting_mrr_at_current_rate = 0 and ending_mrr > 0 and coalesce(had_mrr_before, 0) = 0
                then 'new'
            when starting_mrr_at_current_rate = 0 and ending_mrr > 0 then 'reactivation'
            when starting_mrr_at_current_rate > 0 and ending_mrr > starting_mrr_at_current_rate
                then 'expansion'
            when starting_mrr_at_current_rate > 0 and ending_mrr > 0
                and ending_mrr < starting_mrr_at_current_rate then 'contraction'
            when starting_mrr_at_current_rate > 0 and ending_mrr = 0 then 'churn'
        end as movement_type,
        ending_mrr - starting_mrr_at_current_rate as change_at_constant_rate
    from history
    where month >= first_active_month
)

select
    account_id,
    cast(month as date) as month,
    is_complete_month,
    cast(starting_mrr as decimal(18, 2)) as starting_mrr,
    cast(ending_mrr as decimal(18, 2)) as ending_mrr,
    movement_type,
    cast(case when movement_type = 'new' then change_at_constant_rate else 0 end as decimal(18, 2)) as new_mrr,
    cast(case when movement_type = 'expansion' then change_at_constant_rate else 0 end as decimal(18, 2)) as expansion_mrr,
    cast(case when movement_type = 'contraction' then -change_at_constant_rate else 0 end as decimal(18, 2)) as contraction_mrr,
    cast(case when movement_type = 'churn' then -change_at_constant_rate else 0 end as decimal(18, 2)) as churned_mrr,
    cast(case when movement_type = 'reactivation' then change_at_constant_rate else 0 end as decimal(18, 2)) as reactivation_mrr,
    cast(starting_mrr_at_current_rate - starting_mrr as decimal(18, 2)) as fx_adjustment_mrr
from classified
