{{ config(materialized='table') }}
-- Sales' morning list: paying accounts ranked by their propensity to expand in the next 90
-- days, with the reasons and the offer to make. Owner-facing columns only; no PII.
{%- set scores = source('ml', 'propensity_scores') %}
{%- set scores_exist = execute and adapter.get_relation(
    database=scores.database, schema=scores.schema, identifier=scores.identifier) is not none %}

{%- if scores_exist %}
select
    cast(row_number() over (order by scores.probability desc, scores.account_id) as bigint) as rank,
    scores.account_id,
    accounts.account_name,
    accounts.segment,
    accounts.country_code,
    accounts.current_plan_id,
    accounts.seats,
    accounts.mrr_now,
    cast(scores.probability as double) as upsell_propensity,
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
from {{ scores }} as scores
inner join {{ ref('customer_360') }} as accounts
    on scores.account_id = accounts.account_id
{%- else %}
select
    cast(null as bigint) as rank,
    cast(null as varchar) as account_id,
    cast(null as varchar) as account_name,
    cast(null as varchar) as segment,
    cast(null as varchar) as country_code,
    cast(null as varchar) as current_plan_id,
    cast(null as bigint) as seats,
    cast(null as decimal(18, 2)) as mrr_now,
    cast(null as double) as upsell_propensity,
    cast(null as bigint) as propensity_decile,
    cast(null as varchar) as reason_1,
    cast(null as varchar) as reason_2,
    cast(null as varchar) as reason_3,
    cast(null as varchar) as recommended_offer,
    cast(null as varchar) as offer_reason,
    cast(null as bigint) as open_expansion_opportunities,
    cast(null as timestamp) as last_activity_at,
    cast(null as varchar) as model_version,
    cast(null as timestamp) as scored_at
from {{ ref('customer_360') }}
where false
{%- endif %}
