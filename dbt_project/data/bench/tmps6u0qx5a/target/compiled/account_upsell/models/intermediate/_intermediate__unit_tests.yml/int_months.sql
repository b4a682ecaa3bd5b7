
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