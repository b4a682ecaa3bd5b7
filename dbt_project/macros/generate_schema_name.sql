{#- Layers live in schemas named exactly staging, intermediate, marts and ml (no target prefix).
    On PostgreSQL, BI tools read the database itself: the marts are built in marts_build and
    published to marts in one transaction (upsell.targets.postgres_publish; the Python side
    names the same schema in upsell.targets.engine.BUILD_SCHEMAS, a test compares them). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set schema = (custom_schema_name or target.schema) | trim -%}
    {%- if target.type == 'postgres' and schema == 'marts' -%}
        marts_build
    {%- else -%}
        {{ schema }}
    {%- endif -%}
{%- endmacro %}
