-- One rate per currency and month: the latest rate on or before the month's rate date.
-- The reporting currency always converts at 1.
with  __dbt__cte__int_months as (

-- Fixture for int_months
select 
    
    cast('2026-01-01' as DATE)
 as "month", 
    
    cast('2026-01-31' as DATE)
 as "rate_date", cast(null as TIMESTAMP) as "snapshot_before", cast(null as BOOLEAN) as "is_complete_month"
union all
select 
    
    cast('2026-02-01' as DATE)
 as "month", 
    
    cast('2026-02-14' as DATE)
 as "rate_date", cast(null as TIMESTAMP) as "snapshot_before", cast(null as BOOLEAN) as "is_complete_month"
),  __dbt__cte__stg_ref__fx_rates as (

-- Fixture for stg_ref__fx_rates
select 
    
    cast('2026-01-30' as DATE)
 as "rate_date", 
    
    cast('USD' as character varying)
 as "currency", 
    
    cast('0.91' as DECIMAL(18,8))
 as "rate_to_reporting"
union all
select 
    
    cast('2026-01-31' as DATE)
 as "rate_date", 
    
    cast('USD' as character varying)
 as "currency", 
    
    cast('0.92' as DECIMAL(18,8))
 as "rate_to_reporting"
union all
select 
    
    cast('2026-02-14' as DATE)
 as "rate_date", 
    
    cast('USD' as character varying)
 as "currency", 
    
    cast('0.95' as DECIMAL(18,8))
 as "rate_to_reporting"
union all
select 
    
    cast('2026-02-15' as DATE)
 as "rate_date", 
    
    cast('USD' as character varying)
 as "currency", 
    
    cast('0.99' as DECIMAL(18,8))
 as "rate_to_reporting"
union all
select 
    
    cast('2026-01-29' as DATE)
 as "rate_date", 
    
    cast('GBP' as character varying)
 as "currency", 
    
    cast('1.17' as DECIMAL(18,8))
 as "rate_to_reporting"
union all
select 
    
    cast('2026-01-31' as DATE)
 as "rate_date", 
    
    cast('EUR' as character varying)
 as "currency", 
    
    cast('1.0' as DECIMAL(18,8))
 as "rate_to_reporting"
), candidates as (
    select
        months.month,
        rates.currency,
        rates.rate_to_reporting,
        row_number() over (
            partition by months.month, rates.currency order by rates.rate_date desc
        ) as recency
    from __dbt__cte__int_months as months
    inner join __dbt__cte__stg_ref__fx_rates as rates
        on rates.rate_date <= months.rate_date
)

select
    month,
    currency,
    case when currency = 'EUR' then 1 else rate_to_reporting end
        as rate_to_reporting
from candidates
where recency = 1