-- The month spine: from the first month of any monthly reported data (subscription events,
-- web-shop orders, survey responses) to the month of the latest delivery; with none of them,
-- only that month. Each month is measured at the end of its last day; the current month is
-- measured at the end of the latest delivery's date (month to date). A monthly KPI mart keeps
-- the months from its own data's first month (none without data).
with dated as (
    select min(effective_at) as first_at from {{ ref('stg_sub__subscription_events') }}
    union all
    select min(ordered_at) from {{ ref('stg_shop__orders') }}
    union all
    select min(responded_at) from {{ ref('stg_crm__survey_responses') }}
),

latest_delivery as (
    select max(delivery_date) as as_of_date from {{ source('raw', '_deliveries') }}
),

-- Dates truncated as timestamps: PostgreSQL truncates a date as a timestamp with time zone,
-- in the server's time zone.
bounds as (
    select
        coalesce(
            cast({{ dbt.date_trunc('month', '(select min(first_at) from dated)') }} as date),
            cast({{ dbt.date_trunc('month', 'cast(as_of_date as timestamp)') }} as date)
        ) as first_month,
        as_of_date
    from latest_delivery
),

spine as (
    select date_value as month
    from (
        {{ date_series(
            "(select cast(first_month as date) from bounds)",
            "(select cast(" ~ dbt.date_trunc('month', 'cast(as_of_date as timestamp)')
                ~ " as date) from bounds)",
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
