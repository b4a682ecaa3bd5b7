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
    "TIMESTAMP": "timestamp without time zone",
}


def pg_type(duckdb_type: str) -> str:
    """The PostgreSQL type of a DuckDB column type the raw layer uses."""
    if duckdb_type.startswith("DECIMAL"):
        return "numeric" + duckdb_type[len("DECIMAL") :].replace(" ", "")
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
    """Make each ``(schema, table)`` of ``target`` hold what the DuckDB table of the same name
    holds, all in one transaction; returns the rows copied per table.

    A table whose columns are unchanged keeps its identity (its rows are replaced: the dbt
    staging views on it stay); one whose columns changed (a new contract version) is
    recreated, and the staging views on it go with it (the dbt run that follows makes them
    again)."""
    copied = {}
    with target.cursor() as cur:
        try:
            existing = {}
            for schema in sorted({schema for schema, _ in tables}):
                cur.execute(f"CREATE SCHEMA IF NOT EXISTS {q(schema)}")
                existing[schema] = columns_of(cur, schema)
            for schema, table in tables:
                columns = [
                    (name, pg_type(kind))
                    for name, kind in source.execute(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_catalog = current_database() AND table_schema = ? "
                        "AND table_name = ? ORDER BY ordinal_position",
                        [schema, table],
                    ).fetchall()
                ]
                relation = f"{q(schema)}.{q(table)}"
                if existing[schema].get(table) == columns:
                    cur.execute(f"DELETE FROM {relation}")
                else:
                    cur.execute(f"DROP TABLE IF EXISTS {relation} CASCADE")
                    ddl = ", ".join(f"{q(name)} {kind}" for name, kind in columns)
                    cur.execute(f"CREATE TABLE {relation} ({ddl})")
                data = source.sql(f"SELECT * FROM {relation}").to_arrow_table()
                if data.num_rows:
                    cur.adbc_ingest(table, data, mode="append", db_schema_name=schema)
                copied[f"{schema}.{table}"] = data.num_rows
            target.commit()
        except Exception:
            target.rollback()
            raise
    return copied


def rows(cur, sql: str) -> list[tuple]:
    """The rows of ``sql`` as tuples, on an open cursor."""
    cur.execute(sql)
    table = cur.fetch_arrow_table()
    return list(zip(*(c.to_pylist() for c in table.columns), strict=True))


def columns_of(cur, schema: str) -> dict[str, list[tuple[str, str]]]:
    """Each table of ``schema`` with its (column, type) in order, types as PostgreSQL
    formats them (``numeric(18,2)``, ``timestamp without time zone``)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows(
        cur,
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE n.nspname = '{schema.replace(chr(39), chr(39) * 2)}' AND c.relkind = 'r' "
        "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
    ):
        found.setdefault(table, []).append((column, kind))
    return found


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
