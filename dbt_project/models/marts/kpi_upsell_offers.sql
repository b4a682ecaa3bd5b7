{{ config(materialized='table') }}
-- Upsell offers and their A/B tests (docs/metrics.md): per campaign and variant, offers,
-- conversions, conversion rate and revenue; each variant against the control (variant A, else
-- the first in sort order): absolute and relative lift, a two-sided two-proportion z-test, the
-- 95 % confidence interval of the difference, and a sample-ratio-mismatch chi-square test of
-- the campaign's allocation (equal allocation expected).
-- Rates are floats from the start (`one`): a decimal literal would keep them decimal, and
-- Spark multiplies decimals at 6 decimal places once their precision passes 38 digits.
{%- set one = 'cast(1 as ' ~ float_type() ~ ')' %}

with variants as (
    select
        campaign_id,
        variant,
        min(offer_type) as offer_type,
        count(*) as offers,
        sum(case when converted then 1 else 0 end) as conversions,
        sum(conversion_revenue) as conversion_revenue
    from {{ ref('int_offer_conversions') }}
    group by campaign_id, variant
),

campaigns as (
    select
        campaign_id,
        coalesce(max(case when variant = 'A' then variant end), min({{ binary_collation('variant') }}))
            as control_variant,
        sum(offers) as campaign_offers,
        count(*) as variant_count
    from variants
    group by campaign_id
),

srm as (
    select
        variants.campaign_id,
        sum(
            (variants.offers - {{ one }} * campaigns.campaign_offers / campaigns.variant_count)
            * (variants.offers - {{ one }} * campaigns.campaign_offers / campaigns.variant_count)
            / ({{ one }} * campaigns.campaign_offers / campaigns.variant_count)
        ) as chi_square,
        max(campaigns.variant_count) - 1 as dof
    from variants
    inner join campaigns on variants.campaign_id = campaigns.campaign_id
    group by variants.campaign_id
),

compared as (
    select
        variants.*,
        campaigns.control_variant,
        variants.variant = campaigns.control_variant as is_control,
        {{ one }} * variants.conversions / variants.offers as rate,
        control.offers as control_offers,
        {{ one }} * control.conversions / control.offers as control_rate,
        {{ one }} * (variants.conversions + control.conversions) / (variants.offers + control.offers)
            as pooled_rate,
        srm.chi_square,
        srm.dof
    from variants
    inner join campaigns on variants.campaign_id = campaigns.campaign_id
    inner join variants as control
        on campaigns.campaign_id = control.campaign_id
        and campaigns.control_variant = control.variant
    inner join srm on variants.campaign_id = srm.campaign_id
),

tested as (
    select
        *,
        case when not is_control then rate - control_rate end as absolute_lift,
        case when not is_control then {{ divide('rate - control_rate', 'control_rate') }} end
            as relative_lift,
        case when not is_control then {{ divide(
            'rate - control_rate',
            'sqrt(pooled_rate * (1 - pooled_rate) * (' ~ one ~ ' / offers + ' ~ one ~ ' / control_offers))'
        ) }} end as z_score,
        case when not is_control then
            sqrt(rate * (1 - rate) / offers + control_rate * (1 - control_rate) / control_offers)
        end as standard_error
    from compared
)

select
    campaign_id,
    variant,
    offer_type,
    is_control,
    control_variant,
    cast(offers as bigint) as offers,
    cast(conversions as bigint) as conversions,
    {{ round_float('rate', 6) }} as conversion_rate,
    cast(conversion_revenue as decimal(18, 2)) as conversion_revenue,
    {{ round_float('absolute_lift', 6) }} as absolute_lift,
    {{ round_float('relative_lift', 6) }} as relative_lift,
    {{ round_float('2 * (1 - ' ~ normal_cdf('abs(z_score)') ~ ')', 6) }} as p_value,
    {{ round_float('absolute_lift - 1.959964 * standard_error', 6) }} as lift_ci_low,
    {{ round_float('absolute_lift + 1.959964 * standard_error', 6) }} as lift_ci_high,
    {{ round_float(chi_square_p_value('chi_square', 'dof'), 6) }} as srm_p_value,
    case
        when is_control then 'control'
        when z_score is null then 'not enough data'
        when 2 * (1 - {{ normal_cdf('abs(z_score)') }}) < 0.05 and absolute_lift > 0
            then 'significant win'
        when 2 * (1 - {{ normal_cdf('abs(z_score)') }}) < 0.05 and absolute_lift < 0
            then 'significant loss'
        else 'not significant'
    end as conclusion
from tested
