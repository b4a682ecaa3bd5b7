-- Every delivered version of each account, for "what was known at date T" questions.
select
    account_id,
    updated_at,
    _delivery_date as delivered_on,
    case
        when _delivery_date = (select min(delivery_date) from "warehouse"."raw"."_deliveries")
            then least(cast(updated_at as date), _delivery_date)
        else _delivery_date
    end as known_on,
    segment,
    industry,
    upper(country) as country_code,
    employee_count
from "warehouse"."raw"."crm_accounts__history"