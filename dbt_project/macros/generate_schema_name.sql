{#- Layers live in schemas named exactly staging, intermediate, marts and ml (no target prefix). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
