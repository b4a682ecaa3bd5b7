{{ config(**snapshot_increments()) }}
-- CRM features at each snapshot T, as known at T: firmographics, surveys, support tickets,
-- sales activities, open expansion opportunities and upsell offers. Point in time, so only
-- new snapshots and the latest are computed. One row per paying account and snapshot.
with population as (
    {{ feature_population() }}
),

firmographics as (
    select * from (
        select
            population.account_id,
            population.snapshot_date,
            versions.segment,
            versions.industry,
            versions.country_code,
            versions.employee_count,
            row_number() over (
                partition by population.account_id, population.snapshot_date
                order by versions.delivered_on desc, versions.updated_at desc
            ) as recency
        from population
        inner join {{ ref('stg_crm__accounts_versions') }} as versions
            on population.account_id = versions.account_id
            and versions.known_on <= population.snapshot_date
    ) as ranked
    where recency = 1
),

surveys as (
    select
        account_id,
        snapshot_date,
        max(case when survey_type = 'nps' and recency = 1 then score end) as latest_nps,
        max(case when survey_type = 'csat' and recency = 1 then score end) as latest_csat
    from (
        select
            population.account_id,
            population.snapshot_date,
            responses.survey_type,
            responses.score,
            row_number() over (
                partition by population.account_id, population.snapshot_date, responses.survey_type
                order by responses.responded_at desc, {{ binary_collation('responses.response_id') }} desc
            ) as recency
        from population
        inner join {{ ref('stg_crm__survey_responses') }} as responses
            on population.account_id = responses.account_id
            and responses.responded_at < population.snapshot_before
            and responses.known_on <= population.snapshot_date
    ) as ranked
    group by account_id, snapshot_date
),

known_tickets as (
    {{ versions_known_at_snapshots(
        ref('stg_crm__support_tickets_versions'), 'ticket_id', 'opened_at',
        ['priority', 'opened_at', 'resolved_at']
    ) }}
),

tickets as (
    select
        account_id,
        snapshot_date,
        count(case when opened_at > {{ dbt.dateadd('day', -90, 'snapshot_date') }} then 1 end)
            as tickets_90d,
        count(case when priority = 'urgent' and opened_at > {{ dbt.dateadd('day', -90, 'snapshot_date') }}
            then 1 end) as urgent_tickets_90d,
        count(case when resolved_at is null or resolved_at >= snapshot_before then 1 end)
            as open_tickets
    from known_tickets
    group by account_id, snapshot_date
),

activities as (
    select population.account_id, population.snapshot_date, count(*) as activities_90d
    from population
    inner join {{ ref('stg_crm__activities') }} as activities
        on population.account_id = activities.account_id
        and activities.occurred_at < population.snapshot_before
        and activities.occurred_at > {{ dbt.dateadd('day', -90, 'population.snapshot_date') }}
        and activities.known_on <= population.snapshot_date
    group by population.account_id, population.snapshot_date
),

opportunities as (
    select account_id, snapshot_date, count(*) as open_expansion_opportunities
    from (
        {{ versions_known_at_snapshots(
            ref('stg_crm__opportunities_versions'), 'opportunity_id', 'created_at',
            ['stage', 'opportunity_type']
        ) }}
    ) as known
    where stage = 'open' and opportunity_type in ('upsell', 'cross_sell')
    group by account_id, snapshot_date
),

offers as (
    select population.account_id, population.snapshot_date, count(*) as offers_180d
    from population
    inner join {{ ref('stg_crm__upsell_offers') }} as offers
        on population.account_id = offers.account_id
        and offers.sent_at < population.snapshot_before
        and offers.sent_at > {{ dbt.dateadd('day', -180, 'population.snapshot_date') }}
        and offers.known_on <= population.snapshot_date
    group by population.account_id, population.snapshot_date
)

select
    population.account_id,
    population.snapshot_date,
    firmographics.segment,
    firmographics.industry,
    firmographics.country_code,
    firmographics.employee_count,
    surveys.latest_nps,
    surveys.latest_csat,
    tickets.tickets_90d,
    tickets.urgent_tickets_90d,
    tickets.open_tickets,
    activities.activities_90d,
    opportunities.open_expansion_opportunities,
    offers.offers_180d
from population
left join firmographics
    on population.account_id = firmographics.account_id
    and population.snapshot_date = firmographics.snapshot_date
left join surveys
    on population.account_id = surveys.account_id and population.snapshot_date = surveys.snapshot_date
left join tickets
    on population.account_id = tickets.account_id and population.snapshot_date = tickets.snapshot_date
left join activities
    on population.account_id = activities.account_id
    and population.snapshot_date = activities.snapshot_date
left join opportunities
    on population.account_id = opportunities.account_id
    and population.snapshot_date = opportunities.snapshot_date
left join offers
    on population.account_id = offers.account_id and population.snapshot_date = offers.snapshot_date
