
    

    create  table
      "warehouse"."intermediate"."int_fx_rates_monthly__dbt_tmp"
  
    
    as (
      -- One rate per currency and month: the latest rate on or before the month's rate date.
-- The reporting currency always converts at 1.
with candidates as (
    select
        months.month,
        rates.currency,
        rates.rate_to_reporting,
        row_number() over (
            partition by months.month, rates.currency order by rates.rate_date desc
        ) as recency
    from "warehouse"."intermediate"."int_months" as months
    inner join "warehouse"."staging"."stg_ref__fx_rates" as rates
        on rates.rate_date <= months.rate_date
)

select
    month,
    currency,
    case when currency = 'EUR' then 1 else rate_to_reporting end
        as rate_to_reporting
from candidates
where recency = 1
    );
    
  