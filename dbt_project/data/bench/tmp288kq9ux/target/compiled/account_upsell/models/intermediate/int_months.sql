-- The month spine: from the first subscription event's month to the month of the latest
-- delivery. Each month is measured at the end of its last day; the current month is measured
-- at the end of the latest delivery's date (month to date).
with bounds as (
    select
        date_trunc('month', min(effective_at)) as first_month,
        (select max(delivery_date) from "warehouse"."raw"."_deliveries") as as_of_date
    from "warehouse"."staging"."stg_sub__subscription_events"
),

spine as (
    select date_value as month
    from (
        select cast(range as date) as date_value
    from range(cast((select cast(first_month as date) from bounds) as timestamp), cast((select cast(date_trunc('month', as_of_date) as date) from bounds) as timestamp) + interval 1 day, interval 1 month)
    ) as months
)

select
    cast(spine.month as date) as month,
    -- the FX rate of the month is the one of its last day (or of the latest delivery's date)
    cast(least(cast(
        

    (

    (date_trunc('month', spine.month) + cast(1 as bigint) * interval 1 month) + cast(-1 as bigint) * interval 1 day)
        as date), bounds.as_of_date) as date) as rate_date,
    -- state is read at the end of that day: everything effective before the next day starts
    cast(

    (least(cast(
        

    (

    (date_trunc('month', spine.month) + cast(1 as bigint) * interval 1 month) + cast(-1 as bigint) * interval 1 day)
        as date), bounds.as_of_date) + cast(1 as bigint) * interval 1 day) as timestamp) as snapshot_before,
    cast(
        

    (

    (date_trunc('month', spine.month) + cast(1 as bigint) * interval 1 month) + cast(-1 as bigint) * interval 1 day)
        as date) <= bounds.as_of_date as is_complete_month
from spine
cross join bounds