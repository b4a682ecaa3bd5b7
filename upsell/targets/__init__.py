"""The engines dbt can build in (UPSELL_TARGET): DuckDB, PostgreSQL (``engine``)."""
