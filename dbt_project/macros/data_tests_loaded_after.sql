{% macro data_tests_loaded_after(deliveries) %}
{#- The load time after which the run's data tests with `delivered_column` check the changed
    keys only, as the orchestration wrote it for this run in raw._data_test_runs beside the
    deliveries (orchestration/dbt/delivery_scoped_tests.py); none for whole tables: no such
    table, no row, or a null time. Read when the test runs, not parsed in: a var that changed
    every day would make dbt parse the whole project again on every run. -#}
{%- if not execute %}{{ return(none) }}{% endif %}
{%- set runs = adapter.get_relation(
    database=deliveries.database, schema=deliveries.schema, identifier='_data_test_runs') %}
{%- if runs is none %}{{ return(none) }}{% endif %}
{%- set latest = run_query(
    'select loaded_after from ' ~ runs ~ ' order by started_at desc limit 1') %}
{{ return(latest.rows[0][0] if latest.rows | length else none) }}
{% endmacro %}
