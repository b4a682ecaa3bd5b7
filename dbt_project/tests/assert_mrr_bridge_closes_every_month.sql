-- Month by month, last month's MRR plus this month's movements equals this month's MRR.
with months as (
    select
        month,
        mrr,
        new_mrr + expansion_mrr + reactivation_mrr - contraction_mrr - churned_mrr + fx_adjustment_mrr
            as movements,
        lag(mrr) over (order by month) as previous_mrr
    from {{ ref('kpi_saas_monthly') }}
)

select *
from months
where coalesce(previous_mrr, 0) + movements != mrr
