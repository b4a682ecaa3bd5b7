-- SCD2 history of CRM accounts from every version the deliveries carried (raw history keeps
-- them all): each version is valid from its updated_at until the next version's (null while
-- current), whenever dbt runs and however many deliveries a run loads at once.
with versions as (
    select * from {{ ref('stg_crm__accounts_versions') }}
),

-- The same version delivered again (same updated_at) is one version, with the content of its
-- latest delivery, as the current table keeps it.
distinct_versions as (
    select * from (
        select
            *,
            row_number() over (partition by account_id, updated_at order by delivered_on desc)
                as delivery_recency
        from versions
    ) as ranked
    where delivery_recency = 1
),

sequenced as (
    select
        *,
        lead(updated_at) over (partition by account_id order by updated_at) as next_updated_at
    from distinct_versions
)

select
    account_id,
    account_name,
    industry,
    country_code,
    segment,
    employee_count,
    billing_currency,
    created_at,
    updated_at,
    delivered_on,
    first_delivered_on,
    known_on,
    {{ scd_id('account_id', 'updated_at') }} as dbt_scd_id,
    updated_at as dbt_updated_at,
    updated_at as dbt_valid_from,
    next_updated_at as dbt_valid_to
from sequenced
