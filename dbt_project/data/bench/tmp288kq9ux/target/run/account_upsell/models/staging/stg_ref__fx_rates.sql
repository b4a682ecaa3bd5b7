
  
  create view "warehouse"."staging"."stg_ref__fx_rates__dbt_tmp" as (
    select
    rate_date,
    upper(currency) as currency,
    rate_to_reporting
from "warehouse"."raw"."ref_fx_rates"
  );
