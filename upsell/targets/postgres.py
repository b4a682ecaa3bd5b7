"""PostgreSQL as the warehouse: connecting through ADBC (Arrow in and out, COPY underneath),
copying raw tables from the DuckDB ingest in one transaction, and reading query results.

The landing zone is still read and validated in DuckDB (quarantine, reconciliation, all or
nothing per delivery); what a run loaded then reaches PostgreSQL in one transaction, so a
reader of ``raw`` never sees part of a run's deliveries.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from upsell.errors import UpsellError
from upsell.targets.dsn import libpq_env
from upsell.warehouse import q

# DuckDB column types as PostgreSQL spells them; DECIMAL(p, s) keeps its precision and scale.
_TYPES = {
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "BOOLEAN": "boolean",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "VARCHAR": "text",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
}


def pg_type(duckdb_type: str) -> str:
    """The PostgreSQL type of a DuckDB column type the raw layer uses."""
    if duckdb_type.startswith("DECIMAL"):
        return "numeric" + duckdb_type[len("DECIMAL") :]
    try:
        return _TYPES[duckdb_type]
    except KeyError:
        raise UpsellError(f"no PostgreSQL type for the DuckDB type {duckdb_type}") from None


@contextmanager
def connect(dsn: str):
    """An ADBC connection (not autocommitting: every write below is one transaction)."""
    import adbc_driver_postgresql.dbapi as adbc

    env = libpq_env(dsn)
    uri = f"postgresql://{env['PGUSER']}@{env['PGHOST']}:{env['PGPORT']}/{env['PGDATABASE']}"
    try:
        con = adbc.connect(uri)  # libpq reads the password from PGPASSWORD or PGPASSFILE
    except Exception as exc:  # the driver's errors carry libpq's message
        raise UpsellError(f"cannot connect to PostgreSQL at {uri}: {_first_line(exc)}") from None
    try:
        yield con
    finally:
        con.close()


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def copy_tables(
    source: duckdb.DuckDBPyConnection, target, tables: Iterable[tuple[str, str]]
) -> dict[str, int]:
    """Replace each ``(schema, table)`` of ``target`` by the DuckDB table of the same name, all
    in one transaction; returns the rows copied per table."""
    copied = {}
    with target.cursor() as cur:
        try:
            for schema, table in tables:
                columns = source.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_catalog = current_database() AND table_schema = ? "
                    "AND table_name = ? ORDER BY ordinal_position",
                    [schema, table],
                ).fetchall()
                ddl = ", ".join(f"{q(name)} {pg_type(kind)}" for name, kind in columns)
                cur.execute(f"CREATE SCHEMA IF NOT EXISTS {q(schema)}")
                cur.execute(f"DROP TABLE IF EXISTS {q(schema)}.{q(table)}")
                cur.execute(f"CREATE TABLE {q(schema)}.{q(table)} ({ddl})")
                data = source.sql(f"SELECT * FROM {q(schema)}.{q(table)}").to_arrow_table()
                if data.num_rows:
                    cur.adbc_ingest(table, data, mode="append", db_schema_name=schema)
                copied[f"{schema}.{table}"] = data.num_rows
            target.commit()
        except Exception:
            target.rollback()
            raise
    return copied


def read_arrow(con, sql: str) -> pa.Table:
    with con.cursor() as cur:
        cur.execute(sql)
        return cur.fetch_arrow_table()


def delivered(con) -> dict | None:
    """The deliveries (day -> fingerprint) the target's raw layer holds; None without one."""
    with con.cursor() as cur:
        cur.execute("SELECT to_regclass('raw._deliveries') IS NOT NULL AS present")
        present = cur.fetch_arrow_table().column(0)[0].as_py()
        rows = {}
        if present:
            cur.execute("SELECT delivery_date, fingerprint FROM raw._deliveries")
            table = cur.fetch_arrow_table()
            rows = dict(zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True))
    con.rollback()
    return rows if present else None
