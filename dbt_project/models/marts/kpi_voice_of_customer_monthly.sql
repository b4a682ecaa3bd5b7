{{ config(materialized='table') }}
-- NPS and CSAT per month (docs/metrics.md): NPS = (share of 9-10 - share of 0-6) x 100 over the
-- month's nps responses; CSAT = share of 4-5 x 100 over its csat responses. Scores, not rates.
with responses as (
    select
        cast({{ dbt.date_trunc('month', 'responded_at') }} as date) as month,
        survey_type,
        score
    from {{ ref('stg_crm__survey_responses') }}
),

monthly as (
    select
        month,
        sum(case when survey_type = 'nps' then 1 else 0 end) as nps_responses,
        sum(case when survey_type = 'nps' and score >= 9 then 1 else 0 end) as promoters,
        sum(case when survey_type = 'nps' and score <= 6 then 1 else 0 end) as detractors,
        sum(case when survey_type = 'csat' then 1 else 0 end) as csat_responses,
        sum(case when survey_type = 'csat' and score >= 4 then 1 else 0 end) as satisfied
    from responses
    group by month
)

select
    cast(months.month as date) as month,
    months.is_complete_month,
    cast(coalesce(monthly.nps_responses, 0) as bigint) as nps_responses,
    100 * {{ divide('monthly.promoters - monthly.detractors', 'monthly.nps_responses') }} as nps,
    cast(coalesce(monthly.csat_responses, 0) as bigint) as csat_responses,
    100 * {{ divide('monthly.satisfied', 'monthly.csat_responses') }} as csat
from {{ ref('int_months') }} as months
left join monthly on months.month = monthly.month
-- from the first response's month: none without survey responses
where months.month >= (select min(month) from responses)
