{#- The month-end snapshots a point-in-time features model (re)computes. A snapshot's
    features use only what was known at its date, so once taken they never change: a run
    computes the snapshots it does not hold yet, and its latest one again (a second delivery
    can arrive on the snapshot's own date). `full_refresh` rebuilds them all. -#}
{% macro unfrozen_snapshots(snapshot_date='snapshot_date') -%}
    {%- if is_incremental() %}
        {{ snapshot_date }} >= (
            select coalesce(max(snapshot_date), cast('1900-01-01' as date)) from {{ this }}
        )
    {%- else %}
        1 = 1
    {%- endif %}
{%- endmacro %}

{#- The rows a topic's features are computed for: the paying accounts at each snapshot that
    the calling model (re)computes. -#}
{% macro feature_population() -%}
    select account_id, snapshot_date, snapshot_before
    from {{ ref('int_paying_account_snapshots') }}
    where {{ unfrozen_snapshots() }}
{%- endmacro %}

{#- Each row of `versions` (a *_versions staging model: one row per delivered version) that
    the accounts of `population` (the calling model's CTE) had at each snapshot T, in the
    version known at T (the latest delivered by T), among those started (`started_at`) before
    T's end. -#}
{% macro versions_known_at_snapshots(versions, id_column, started_at, columns) %}
select * from (
    select
        population.account_id,
        population.snapshot_date,
        population.snapshot_before,
        {%- for column in columns %}
        versions.{{ column }},
        {%- endfor %}
        row_number() over (
            partition by population.snapshot_date, versions.{{ id_column }}
            order by versions.delivered_on desc, versions.updated_at desc
        ) as recency
    from population
    inner join {{ versions }} as versions
        on population.account_id = versions.account_id
        and versions.known_on <= population.snapshot_date
        and versions.{{ started_at }} < population.snapshot_before
) as ranked
where recency = 1
{% endmacro %}

{#- The config of a model incremental by snapshot (the features and their inputs): a run
    replaces the snapshots it computes and keeps the others. DuckDB and PostgreSQL delete the
    computed snapshots' rows and insert them again. Spark cannot delete from a Parquet table
    (no Delta or Iceberg here): the table is partitioned by snapshot_date and the computed
    partitions are overwritten, the same rows; Spark stores a partition column last, so there
    snapshot_date is the table's last column. -#}
{% macro snapshot_increments() -%}
    {%- set settings = {
        'materialized': 'incremental',
        'unique_key': 'snapshot_date',
        'on_schema_change': 'fail',
        'incremental_strategy': 'delete+insert',
    } -%}
    {%- if target.type == 'spark' -%}
        {%- do settings.update({
            'incremental_strategy': 'insert_overwrite',
            'partition_by': ['snapshot_date'],
        }) -%}
    {%- endif -%}
    {{ return(settings) }}
{%- endmacro %}
