{{ config(materialized='table') }}
-- Monthly web-shop KPIs (docs/metrics.md): only completed orders count; revenue at the rate of the
-- order date, in the reporting currency. One row per month from the first order's month.
with completed as (
    select * from {{ ref('int_orders') }} where is_completed
),

first_orders as (
    select account_id, min(order_month) as first_order_month
    from completed
    group by account_id
),

monthly as (
    select
        completed.order_month as month,
        count(*) as orders,
        sum(completed.revenue) as revenue,
        sum(completed.addon_revenue) as addon_revenue,
        count(distinct completed.account_id) as buyers,
        count(distinct case when first_orders.first_order_month < completed.order_month
            then completed.account_id end) as returning_buyers
    from completed
    inner join first_orders on completed.account_id = first_orders.account_id
    group by completed.order_month
),

-- repurchase rate as of each month end: accounts with 2+ completed orders so far / with 1+
cumulative as (
    select
        months.month,
        count(distinct per_account.account_id) as accounts_with_orders,
        count(distinct case when per_account.orders_so_far >= 2 then per_account.account_id end)
            as accounts_with_repeat_orders
    from {{ ref('int_months') }} as months
    inner join (
        select account_id, order_month, count(*) over (
            partition by account_id order by ordered_at rows between unbounded preceding and current row
        ) as orders_so_far
        from completed
    ) as per_account
        on per_account.order_month <= months.month
    group by months.month
)

select
    cast(months.month as date) as month,
    months.is_complete_month,
    cast(coalesce(monthly.orders, 0) as bigint) as orders,
    cast(coalesce(monthly.revenue, 0) as decimal(18, 2)) as revenue,
    cast(coalesce(monthly.buyers, 0) as bigint) as buyers,
    {{ divide('monthly.revenue', 'monthly.orders') }} as aov,
    {{ divide('monthly.orders', 'monthly.buyers') }} as purchase_frequency,
    {{ divide('monthly.returning_buyers', 'monthly.buyers') }} as returning_buyer_rate,
    cast(coalesce(monthly.addon_revenue, 0) as decimal(18, 2)) as addon_revenue,
    {{ divide('cumulative.accounts_with_repeat_orders', 'cumulative.accounts_with_orders') }}
        as repurchase_rate
from {{ ref('int_months') }} as months
left join monthly on months.month = monthly.month
left join cumulative on months.month = cumulative.month
-- from the first order's month: none without orders
where months.month >= (select min(order_month) from {{ ref('int_orders') }})
