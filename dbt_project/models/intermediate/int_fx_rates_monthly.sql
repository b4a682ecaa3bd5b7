-- One rate per currency and month: the latest rate on or before the month's rate date. The
-- reporting currency converts at 1 every month, listed in the table or not.
{%- set reporting = "'" ~ var("reporting_currency") ~ "'" %}

with candidates as (
    select
        months.month,
        rates.currency,
        rates.rate_to_reporting,
        row_number() over (
            partition by months.month, rates.currency order by rates.rate_date desc
        ) as recency
    from {{ ref('int_months') }} as months
    inner join {{ ref('stg_ref__fx_rates') }} as rates
        on rates.rate_date <= months.rate_date
        and rates.currency != {{ reporting }}
)

select month, currency, rate_to_reporting
from candidates
where recency = 1

union all

select month, {{ reporting }} as currency, cast(1 as decimal(18, 8)) as rate_to_reporting
from {{ ref('int_months') }}
