
  
  create view "warehouse"."staging"."stg_crm__survey_responses__dbt_tmp" as (
    select
    response_id,
    account_id,
    contact_id,
    survey_type,
    score,
    responded_at,
    _delivery_date as delivered_on,
    _first_delivery_date as first_delivered_on,
    case
        when _first_delivery_date = (select min(delivery_date) from "warehouse"."raw"."_deliveries")
            then least(cast(responded_at as date), _first_delivery_date)
        else _first_delivery_date
    end as known_on
from "warehouse"."raw"."crm_survey_responses"
  );
