-- The monthly KPI mart carries MRR over: last month's mrr plus this month's movements equals
-- this month's mrr. The row-level bridge on fct_mrr_movements (mrr_bridge_closes_on_every_row)
-- cannot see a month whose starting MRR differs from the month before's ending MRR, nor a total
-- of kpi_saas_monthly summed differently from its movements.
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
