{#- A salted hash of a PII value: stable across runs, not reversible without the salt.
    The salt comes from UPSELL_PII_SALT at run time (pii_salt below), never from compiled SQL;
    an empty salt still hides the value but makes the reference guessable from a known email,
    so set it in production. -#}
{% macro pii_hash(column) -%}
    {{ dbt.hash(dbt.concat([pii_salt(), "lower(trim(" ~ column ~ "))"])) }}
{%- endmacro %}

{#- The salt as a SQL expression read from the connection, never a literal. -#}
{% macro pii_salt() -%}
    {{ return(adapter.dispatch('pii_salt')()) }}
{%- endmacro %}

{#- DuckDB: the variable the orchestration.dbt_plugins.pii_salt profile plugin sets. -#}
{% macro duckdb__pii_salt() -%}
    coalesce(getvariable('pii_salt'), '')
{%- endmacro %}

{#- Spark: the driver's environment variable, which Spark's parser substitutes for the
    reference when it reads the statement (dbt compiles only the reference; Spark SQL has no
    function that reads a setting). Not a session setting: those are passed to the JVM on its
    command line, which any user of the machine can list. An unset variable is left as the
    reference itself, which the nullif turns into the empty salt, as on the other engines. -#}
{% macro spark__pii_salt() -%}
    coalesce(nullif('${env:UPSELL_PII_SALT}', '$' || '{env:UPSELL_PII_SALT}'), '')
{%- endmacro %}

{#- PostgreSQL: a custom setting, which the orchestration passes in libpq's PGOPTIONS. -#}
{% macro default__pii_salt() -%}
    coalesce(current_setting('upsell.pii_salt', true), '')
{%- endmacro %}
