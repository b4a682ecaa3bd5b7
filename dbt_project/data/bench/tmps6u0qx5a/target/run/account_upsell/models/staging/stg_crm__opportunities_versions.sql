
  
  create view "warehouse"."staging"."stg_crm__opportunities_versions__dbt_tmp" as (
    -- Every delivered version of each opportunity (open first, closed later).
select
    opportunity_id,
    updated_at,
    _delivery_date as delivered_on,
    case
        when _delivery_date = (select min(delivery_date) from "warehouse"."raw"."_deliveries")
            then least(cast(updated_at as date), _delivery_date)
        else _delivery_date
    end as known_on,
    account_id,
    opportunity_type,
    stage,
    created_at,
    closed_at
from "warehouse"."raw"."crm_opportunities__history"
  );
