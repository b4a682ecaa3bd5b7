
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