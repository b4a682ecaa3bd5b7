{#- A salted hash of a PII value: stable across runs, not reversible without the salt.
    The salt comes from UPSELL_PII_SALT; an empty salt still hides the value but makes the
    reference guessable from a known email, so set it in production. -#}
{% macro pii_hash(column) -%}
    {{ dbt.hash(dbt.concat(["'" ~ env_var('UPSELL_PII_SALT', '') ~ "'", "lower(trim(" ~ column ~ "))"])) }}
{%- endmacro %}
