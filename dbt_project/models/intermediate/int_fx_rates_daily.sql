-- One rate per currency and day, over every day an amount or a rate is dated, up to the latest
-- delivery: the latest rate on or before that day (weekends and holidays carry the last rate
-- forward). The reporting currency converts at 1 every day, listed in the table or not (or
-- with no FX file at all). An amount in another currency dated before its first rate finds no
-- row here: the raw check fx_coverage stops the run before dbt when there is one.
{%- set reporting = "'" ~ var("reporting_currency") ~ "'" %}

with dated as (
    select rate_date as day from {{ ref('stg_ref__fx_rates') }}
    union all
    select cast(ordered_at as date) from {{ ref('stg_shop__orders') }}
    union all
    select cast(issued_at as date) from {{ ref('stg_sub__invoices') }}
    union all
    select cast(effective_at as date) from {{ ref('stg_sub__subscription_events') }}
    union all
    select max(delivery_date) from {{ source('raw', '_deliveries') }}
),

bounds as (
    select min(day) as first_date, max(day) as last_date from dated
),

days as (
    {{ date_series("(select first_date from bounds)", "(select last_date from bounds)", "day") }}
),

foreign_rates as (
    select * from {{ ref('stg_ref__fx_rates') }} where currency != {{ reporting }}
),

currencies as (
    select distinct currency from foreign_rates
),

filled as (
    select
        days.date_value as rate_date,
        currencies.currency,
        (
            select rates.rate_to_reporting
            from foreign_rates as rates
            where rates.currency = currencies.currency and rates.rate_date <= days.date_value
            order by rates.rate_date desc
            limit 1
        ) as rate_to_reporting
    from days
    cross join currencies
)

select rate_date, currency, rate_to_reporting
from filled
where rate_to_reporting is not null

union all

select date_value as rate_date, {{ reporting }} as currency, cast(1 as decimal(18, 8))
from days
