{{ config(materialized='table') }}
-- Sales' morning list: paying accounts ranked by their propensity to expand in the next 90
-- days, with the reasons and the offer to make. Owner-facing columns only; no PII.
select
    cast(row_number() over (
        order by scores.probability desc, {{ binary_collation('scores.account_id') }}
    ) as bigint) as rank,
    scores.account_id,
    accounts.account_name,
    accounts.segment,
    accounts.country_code,
    accounts.current_plan_id,
    accounts.seats,
    accounts.mrr_now,
    cast(scores.probability as {{ float_type() }}) as upsell_propensity,
    cast(scores.decile as bigint) as propensity_decile,
    scores.reason_1,
    scores.reason_2,
    scores.reason_3,
    scores.recommended_offer,
    scores.offer_reason,
    accounts.open_expansion_opportunities,
    accounts.last_activity_at,
    scores.model_version,
    scores.scored_at
from {{ source('ml', 'propensity_scores') }} as scores
inner join {{ ref('customer_360') }} as accounts
    on scores.account_id = accounts.account_id
