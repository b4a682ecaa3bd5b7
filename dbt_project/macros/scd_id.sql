{#- The id of one version of a key in an SCD2 history: a hash of the key and the version's
    start, as dbt's snapshots build it. -#}
{% macro scd_id(key, valid_from) -%}
    {{ dbt.hash(dbt.concat([
        "coalesce(" ~ dbt.cast(key, dbt.type_string()) ~ ", '')",
        "'|'",
        "coalesce(" ~ dbt.cast(valid_from, dbt.type_string()) ~ ", '')"
    ])) }}
{%- endmacro %}
