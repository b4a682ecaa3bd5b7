-- Paid invoices with their amount in the reporting currency at the issue date's rate: the
-- invoiced part of customer_360's lifetime revenue (unrounded: customer_360 rounds the sum).
select
    invoices.invoice_id,
    invoices.account_id,
    invoices.issued_at,
    invoices.currency,
    invoices.amount,
    cast(invoices.amount as decimal(38, 4)) * fx.rate_to_reporting as amount_reporting
from {{ ref('stg_sub__invoices') }} as invoices
left join {{ ref('int_fx_rates_daily') }} as fx
    on invoices.currency = fx.currency
    and cast(invoices.issued_at as date) = fx.rate_date
where invoices.status = 'paid'
