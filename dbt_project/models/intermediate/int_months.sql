-- The month spine: from the first subscription event's month to the month of the latest
-- delivery. Each month is measured at the end of its last day; the current month is measured
-- at the end of the latest delivery's date (month to date).
with bounds as (
    select
        {{ dbt.date_trunc('month', 'min(effective_at)') }} as first_month,
        (select max(delivery_date) from {{ source('raw', '_deliveries') }}) as as_of_date
    from {{ ref('stg_sub__subscription_events') }}
),

spine as (
    select date_value as month
    from (
        {{ date_series(
            "(select cast(first_month as date) from bounds)",
            "(select cast(" ~ dbt.date_trunc('month', 'as_of_date') ~ " as date) from bounds)",
            "month"
        ) }}
    ) as months
)

select
    cast(spine.month as date) as month,
    -- the FX rate of the month is the one of its last day (or of the latest delivery's date)
    cast(least({{ dbt.last_day('spine.month', 'month') }}, bounds.as_of_date) as date) as rate_date,
    -- state is read at the end of that day: everything effective before the next day starts
    cast({{ dbt.dateadd('day', 1, "least(" ~ dbt.last_day('spine.month', 'month') ~ ", bounds.as_of_date)") }} as timestamp) as snapshot_before,
    {{ dbt.last_day('spine.month', 'month') }} <= bounds.as_of_date as is_complete_month
from spine
cross join bounds
