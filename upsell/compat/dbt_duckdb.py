"""Closing the DuckDB database dbt-duckdb opened in this process.

dbt-duckdb keeps the database of its environment (``DuckDBConnectionManager._ENV``, private)
open for the life of the process, which keeps the warehouse file locked for everyone else
(the next step, a BI tool) after an in-process dbt run or a row count read through dbt's
adapter. Imported inside the function: dbt's adapter takes seconds to import.
Checked against dbt-duckdb 1.11.1 and dbt-core 1.11.16.
"""

from __future__ import annotations


def release_connections() -> None:
    """Close dbt-duckdb's database and its connections in this process, if any are open."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV
    if env is not None:
        env.close()
    DuckDBConnectionManager.close_all_connections()
