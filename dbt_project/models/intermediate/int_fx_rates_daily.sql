-- One rate per currency and day, from the first rate to the latest delivery: the latest rate
-- on or before that day (weekends and holidays carry the last rate forward). The reporting
-- currency converts at 1.
with bounds as (
    select
        min(rate_date) as first_date,
        (select max(delivery_date) from {{ source('raw', '_deliveries') }}) as as_of_date
    from {{ ref('stg_ref__fx_rates') }}
),

days as (
    {{ date_series("(select first_date from bounds)", "(select as_of_date from bounds)", "day") }}
),

currencies as (
    select distinct currency from {{ ref('stg_ref__fx_rates') }}
),

filled as (
    select
        days.date_value as rate_date,
        currencies.currency,
        (
            select rates.rate_to_reporting
            from {{ ref('stg_ref__fx_rates') }} as rates
            where rates.currency = currencies.currency and rates.rate_date <= days.date_value
            order by rates.rate_date desc
            limit 1
        ) as rate_to_reporting
    from days
    cross join currencies
)

select
    rate_date,
    currency,
    case when currency = '{{ var("reporting_currency") }}' then 1 else rate_to_reporting end
        as rate_to_reporting
from filled
where rate_to_reporting is not null or currency = '{{ var("reporting_currency") }}'
