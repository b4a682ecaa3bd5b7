
    

    create  table
      "warehouse"."intermediate"."int_fx_rates_daily__dbt_tmp"
  
    
    as (
      -- One rate per currency and day, from the first rate to the latest delivery: the latest rate
-- on or before that day (weekends and holidays carry the last rate forward). The reporting
-- currency converts at 1.
with bounds as (
    select
        min(rate_date) as first_date,
        (select max(delivery_date) from "warehouse"."raw"."_deliveries") as as_of_date
    from "warehouse"."staging"."stg_ref__fx_rates"
),

days as (
    select cast(range as date) as date_value
    from range(cast((select first_date from bounds) as timestamp), cast((select as_of_date from bounds) as timestamp) + interval 1 day, interval 1 day)
),

currencies as (
    select distinct currency from "warehouse"."staging"."stg_ref__fx_rates"
),

filled as (
    select
        days.date_value as rate_date,
        currencies.currency,
        (
            select rates.rate_to_reporting
            from "warehouse"."staging"."stg_ref__fx_rates" as rates
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
    case when currency = 'EUR' then 1 else rate_to_reporting end
        as rate_to_reporting
from filled
where rate_to_reporting is not null or currency = 'EUR'
    );
    
  