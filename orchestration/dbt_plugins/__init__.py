"""dbt-duckdb plugins the profile loads (``dbt_project/profiles.yml``)."""
