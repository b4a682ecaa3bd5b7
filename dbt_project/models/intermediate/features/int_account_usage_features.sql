{{ config(**snapshot_increments()) }}
-- Product usage in the 30 days up to each snapshot T and the 30 before, as known at T, for
-- the feature table. Point in time, so only new snapshots and the latest are computed.
with population as (
    {{ feature_population() }}
),

daily as (
    select account_id, usage_date, known_on, active_users, events, feature_limit_hits
    from {{ ref('stg_usage__daily') }}
    -- the 60 days before the oldest snapshot computed, stated so that only they are scanned
    where usage_date > (
        select {{ dbt.dateadd('day', -60, 'min(snapshot_date)') }} from population
    )
)

select
    population.account_id,
    population.snapshot_date,
    -- sums and counts of days, not averages: the features divide whole numbers once, so that
    -- every engine gives the same float
    cast(sum(case when daily.usage_date > {{ dbt.dateadd('day', -30, 'population.snapshot_date') }}
        then daily.active_users end) as bigint) as active_user_days_30d,
    cast(count(case when daily.usage_date > {{ dbt.dateadd('day', -30, 'population.snapshot_date') }}
        then daily.active_users end) as bigint) as usage_days_30d,
    cast(sum(case when daily.usage_date <= {{ dbt.dateadd('day', -30, 'population.snapshot_date') }}
        then daily.active_users end) as bigint) as active_user_days_prior_30d,
    cast(count(case when daily.usage_date <= {{ dbt.dateadd('day', -30, 'population.snapshot_date') }}
        then daily.active_users end) as bigint) as usage_days_prior_30d,
    -- bigint, not the sum's hugeint: half the width in fct_account_features' join
    cast(sum(case when daily.usage_date > {{ dbt.dateadd('day', -30, 'population.snapshot_date') }}
        then daily.events else 0 end) as bigint) as events_30d,
    cast(sum(case when daily.usage_date <= {{ dbt.dateadd('day', -30, 'population.snapshot_date') }}
        then daily.events else 0 end) as bigint) as events_prior_30d,
    cast(sum(case when daily.usage_date > {{ dbt.dateadd('day', -30, 'population.snapshot_date') }}
        then daily.feature_limit_hits else 0 end) as bigint) as feature_limit_hits_30d
from population
inner join daily
    on population.account_id = daily.account_id
    and daily.usage_date <= population.snapshot_date
    and daily.usage_date > {{ dbt.dateadd('day', -60, 'population.snapshot_date') }}
    and daily.known_on <= population.snapshot_date
group by population.account_id, population.snapshot_date
