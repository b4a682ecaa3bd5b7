{{ config(materialized='table') }}
-- Monthly SaaS KPIs, one row per month of the spine from the first subscription event's month,
-- every definition as in docs/metrics.md.
with movements as (
    select
        month,
        sum(ending_mrr) as mrr,
        sum(case when ending_mrr > 0 then 1 else 0 end) as active_accounts,
        sum(case when starting_mrr > 0 then 1 else 0 end) as active_accounts_at_start,
        sum(starting_mrr) as starting_mrr,
        sum(case when starting_mrr > 0 then starting_mrr + fx_adjustment_mrr else 0 end)
            as starting_mrr_at_current_rate,
        sum(new_mrr) as new_mrr,
        sum(expansion_mrr) as expansion_mrr,
        sum(contraction_mrr) as contraction_mrr,
        sum(churned_mrr) as churned_mrr,
        sum(reactivation_mrr) as reactivation_mrr,
        sum(fx_adjustment_mrr) as fx_adjustment_mrr,
        sum(case when movement_type = 'churn' then 1 else 0 end) as churned_accounts,
        sum(case when movement_type = 'expansion' then 1 else 0 end) as expanding_accounts
    from {{ ref('fct_mrr_movements') }}
    group by month
),

-- 12-month retention: per account A = MRR twelve months ago and B = MRR now, both at this
-- month's rates (so FX does not move them); C = min(A, B); over accounts with A > 0.
mrr_now as (
    select month, account_id, sum(mrr_native * fx_rate) as b
    from {{ ref('int_account_mrr_monthly') }}
    group by month, account_id
),

mrr_12m_ago as (
    select
        fx.month,
        then_.account_id,
        sum(then_.mrr_native * fx.rate_to_reporting) as a
    from {{ ref('int_account_mrr_monthly') }} as then_
    inner join {{ ref('int_fx_rates_monthly') }} as fx
        on then_.currency = fx.currency
        and fx.month = {{ dbt.dateadd('month', 12, 'then_.month') }}
    group by fx.month, then_.account_id
),

retention as (
    select
        mrr_12m_ago.month,
        sum(mrr_12m_ago.a) as a,
        sum(coalesce(mrr_now.b, 0)) as b,
        sum(case when coalesce(mrr_now.b, 0) < mrr_12m_ago.a then coalesce(mrr_now.b, 0) else mrr_12m_ago.a end) as c
    from mrr_12m_ago
    left join mrr_now
        on mrr_12m_ago.month = mrr_now.month
        and mrr_12m_ago.account_id = mrr_now.account_id
    where mrr_12m_ago.a > 0
    group by mrr_12m_ago.month
),

months as (
    select
        months.month,
        months.is_complete_month,
        {{ dbt.dateadd('month', -12, 'months.month') }} >= min(months.month) over () as has_12m_history
    from {{ ref('int_months') }} as months
    -- from the first subscription's month: none without subscriptions
    where months.month >= (select min(month) from {{ ref('int_account_mrr_monthly') }})
),

joined as (
    select
        months.month,
        months.is_complete_month,
        months.has_12m_history,
        coalesce(movements.mrr, 0) as mrr,
        coalesce(movements.active_accounts, 0) as active_accounts,
        coalesce(movements.active_accounts_at_start, 0) as active_accounts_at_start,
        coalesce(movements.starting_mrr, 0) as starting_mrr,
        coalesce(movements.starting_mrr_at_current_rate, 0) as starting_mrr_at_current_rate,
        coalesce(movements.new_mrr, 0) as new_mrr,
        coalesce(movements.expansion_mrr, 0) as expansion_mrr,
        coalesce(movements.contraction_mrr, 0) as contraction_mrr,
        coalesce(movements.churned_mrr, 0) as churned_mrr,
        coalesce(movements.reactivation_mrr, 0) as reactivation_mrr,
        coalesce(movements.fx_adjustment_mrr, 0) as fx_adjustment_mrr,
        coalesce(movements.churned_accounts, 0) as churned_accounts,
        coalesce(movements.expanding_accounts, 0) as expanding_accounts,
        retention.a as retention_base_12m,
        retention.b as retention_now_12m,
        retention.c as retention_kept_12m
    from months
    left join movements on months.month = movements.month
    left join retention on months.month = retention.month
),

rated as (
    select
        *,
        {{ divide('churned_accounts', 'active_accounts_at_start') }} as logo_churn_rate
    from joined
)

select
    cast(month as date) as month,
    is_complete_month,
    cast(mrr as decimal(18, 2)) as mrr,
    cast(12 * mrr as decimal(18, 2)) as arr,
    cast(active_accounts as bigint) as active_accounts,
    cast(new_mrr as decimal(18, 2)) as new_mrr,
    cast(expansion_mrr as decimal(18, 2)) as expansion_mrr,
    cast(contraction_mrr as decimal(18, 2)) as contraction_mrr,
    cast(churned_mrr as decimal(18, 2)) as churned_mrr,
    cast(reactivation_mrr as decimal(18, 2)) as reactivation_mrr,
    cast(fx_adjustment_mrr as decimal(18, 2)) as fx_adjustment_mrr,
    cast(new_mrr + expansion_mrr + reactivation_mrr - contraction_mrr - churned_mrr as decimal(18, 2))
        as net_new_mrr,
    logo_churn_rate,
    {{ divide('churned_mrr + contraction_mrr', 'starting_mrr') }} as gross_mrr_churn_rate,
    {{ divide('churned_mrr + contraction_mrr - expansion_mrr - reactivation_mrr', 'starting_mrr') }}
        as net_mrr_churn_rate,
    {{ divide('starting_mrr_at_current_rate + expansion_mrr - contraction_mrr - churned_mrr', 'starting_mrr_at_current_rate') }}
        as nrr_1m,
    {{ divide('starting_mrr_at_current_rate - contraction_mrr - churned_mrr', 'starting_mrr_at_current_rate') }}
        as grr_1m,
    case when has_12m_history then {{ divide('retention_now_12m', 'retention_base_12m') }} end as nrr_12m,
    case when has_12m_history then {{ divide('retention_kept_12m', 'retention_base_12m') }} end as grr_12m,
    {{ divide('mrr', 'active_accounts') }} as arpa,
    {{ divide(
        divide('mrr', 'active_accounts') ~ ' * ' ~ var('gross_margin', 1.0),
        'avg(logo_churn_rate) over (order by month rows between 11 preceding and current row)'
    ) }} as ltv,
    {{ divide('new_mrr + expansion_mrr + reactivation_mrr', 'churned_mrr + contraction_mrr') }}
        as quick_ratio,
    {{ divide('expansion_mrr', 'starting_mrr') }} as expansion_rate,
    cast(expanding_accounts as bigint) as expanding_accounts
from rated
