{#- ml.propensity_scores is written by the scoring asset (Python), which may not have run yet
    (a new installation, too little history to train). Creating it empty, with the columns the
    scoring asset writes (ml/scoring.py SCORE_COLUMNS; a test compares the two), lets the marts
    that read it always join it: their score columns are simply null until scores exist. -#}
{% macro ensure_scores_table() %}
    {%- set scores = source('ml', 'propensity_scores') -%}
    {#- The schema first, on its own: Spark runs one statement per hook -#}
    {%- if execute %}{% do adapter.create_schema(scores) %}{% endif %}
    create table if not exists {{ scores }} (
        account_id {{ dbt.type_string() }},
        snapshot_date date,
        probability {{ float_type() }},
        decile {{ dbt.type_bigint() }},
        reason_1 {{ dbt.type_string() }},
        reason_2 {{ dbt.type_string() }},
        reason_3 {{ dbt.type_string() }},
        reasons {{ dbt.type_string() }},
        recommended_offer {{ dbt.type_string() }},
        offer_reason {{ dbt.type_string() }},
        model_version {{ dbt.type_string() }},
        scored_at {{ dbt.type_timestamp() }}
    )
{% endmacro %}
