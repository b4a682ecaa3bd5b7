"""PostgreSQL as the warehouse: connecting through ADBC (Arrow in and out, COPY underneath),
copying raw tables from the DuckDB ingest in one transaction, and reading query results.

The landing zone is still read and validated in DuckDB (quarantine, reconciliation, all or
nothing per delivery); what a run loaded then reaches PostgreSQL in one transaction, so a
reader of ``raw`` never sees part of a run's deliveries.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

import duckdb
import pyarrow as pa

from upsell.errors import UpsellError
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


def libpq_env(dsn: str) -> dict[str, str]:
    """libpq's PG* variables for ``dsn`` (``postgresql://user@host:port/database``), which dbt's
    profile and every client read. A password in the DSN is refused: it would be copied into
    process listings and logs; libpq reads it from PGPASSWORD or the password file."""
    parts = urlsplit(dsn)
    if parts.scheme not in ("postgresql", "postgres"):
        raise UpsellError(
            f"UPSELL_POSTGRES_DSN must look like postgresql://user@host:5432/database, got "
            f"scheme {parts.scheme or 'none'!r}"
        )
    if parts.password is not None:
        raise UpsellError(
            "UPSELL_POSTGRES_DSN contains a password; remove it and set PGPASSWORD or a "
            "~/.pgpass line instead"
        )
    database = unquote(parts.path.lstrip("/"))
    if not (parts.hostname and parts.username and database):
        raise UpsellError(
            "UPSELL_POSTGRES_DSN must name the user, host and database, as in "
            "postgresql://upsell@127.0.0.1:5432/upsell"
        )
    return {
        "PGHOST": parts.hostname,
        "PGPORT": str(parts.port or 5432),
        "PGUSER": unquote(parts.username),
        "PGDATABASE": database,
    }


@contextmanager
def connect(dsn: str):
    """An ADBC connection (not autocommitting: every write below is one transaction)."""
    import adbc_driver_postgresql.dbapi as adbc

    env = libpq_env(dsn)
    uri = f"postgresql://{env['PGUSER']}@{env['PGHOST']}:{env['PGPORT']}/{env['PGDATABASE']}"
    password = os.environ.get("PGPASSWORD")
    kwargs = {"password": password} if password else {}
    try:
        con = adbc.connect(uri, conn_kwargs=kwargs)
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
