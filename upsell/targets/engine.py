"""The engine dbt builds in (UPSELL_TARGET): how the model's assets read the tables dbt built,
write the scores back, and how the built marts are published to BI tools.

DuckDB is the embedded default; PostgreSQL is a server that BI tools read directly; Spark
(``upsell.targets.spark``) is for data beyond one machine. Whatever the engine, the landing
zone is loaded and checked in the DuckDB warehouse file first (quarantine, reconciliation, all
or nothing per delivery), and what was loaded is copied to the target.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from upsell.errors import UpsellError
from upsell.warehouse import frame_from_arrow, q, read_frame, table_exists

# Where dbt builds each published layer on an engine whose BI tools read the warehouse itself
# (PostgreSQL): built apart, then swapped in by `publish` in one transaction.
BUILD_SCHEMAS = {"postgres": {"marts": "marts_build"}}


class DuckDBTarget:
    """The warehouse file itself: dbt builds in it, BI tools read the serving file."""

    kind = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def table(self, schema: str, name: str) -> str:
        return f"{q(schema)}.{q(name)}"

    def read_frame(self, sql: str) -> pd.DataFrame:
        return read_frame(self.con, sql)

    def read_arrow(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def scalar(self, sql: str):
        return self.con.execute(sql).fetchall()[0][0]

    def table_exists(self, schema: str, name: str) -> bool:
        return table_exists(self.con, schema, name)

    def sample(self, column: str, per_10k: int) -> str:
        """A predicate keeping a fixed ``per_10k`` / 10,000 of the values of ``column``."""
        return f"hash({column}) % 10000 < {per_10k}"

    def replace_rows(self, schema: str, name: str, data: pa.Table, create_sql: str) -> None:
        """Make ``data`` the whole content of ``schema.name`` in one transaction."""
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {q(schema)}")
        self.con.register("replacement", data)
        try:
            self.con.execute(f"CREATE OR REPLACE TABLE {self.table(schema, name)} AS "
                             f"{create_sql.format(source='replacement')}")  # fmt: skip
        finally:
            self.con.unregister("replacement")


class PostgresTarget:
    """A PostgreSQL database through ADBC (Arrow in and out, COPY underneath)."""

    kind = "postgres"

    def __init__(self, con):
        self.con = con

    def table(self, schema: str, name: str) -> str:
        return f"{q(BUILD_SCHEMAS['postgres'].get(schema, schema))}.{q(name)}"

    def read_arrow(self, sql: str) -> pa.Table:
        with self.con.cursor() as cur:
            cur.execute(sql)
            table = cur.fetch_arrow_table()
        self.con.rollback()  # end the read's transaction: it would hold back VACUUM
        return as_plain_types(table)

    def read_frame(self, sql: str) -> pd.DataFrame:
        return frame_from_arrow(self.read_arrow(sql))

    def scalar(self, sql: str):
        return self.read_arrow(sql).column(0)[0].as_py()

    def table_exists(self, schema: str, name: str) -> bool:
        schema = BUILD_SCHEMAS["postgres"].get(schema, schema)
        found = self.read_arrow(
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = "
            f"{literal(schema)} AND table_name = {literal(name)}"
        )
        return bool(found.column(0)[0].as_py())

    def sample(self, column: str, per_10k: int) -> str:
        return f"('x' || substr(md5({column}), 1, 7))::bit(28)::int % 10000 < {per_10k}"

    def delivered(self) -> dict | None:
        from upsell.targets import postgres

        return postgres.delivered(self.con)

    def copy_tables(self, source: duckdb.DuckDBPyConnection, tables) -> dict[str, int]:
        """The raw ``tables`` of the DuckDB ``source``, in one transaction."""
        from upsell.targets import postgres

        return postgres.copy_tables(source, self.con, tables)

    def replace_rows(self, schema: str, name: str, data: pa.Table, create_sql: str) -> None:
        del create_sql  # the table exists: dbt's on-run-start hook creates it
        with self.con.cursor() as cur:
            try:
                cur.execute(f"DELETE FROM {self.table(schema, name)}")
                if data.num_rows:
                    cur.adbc_ingest(name, data, mode="append", db_schema_name=schema)
                self.con.commit()
            except Exception:
                self.con.rollback()
                raise


def literal(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def is_numeric_text(kind: pa.DataType) -> bool:
    """Whether ``kind`` is how ADBC hands over PostgreSQL's numeric (its text, unconverted)."""
    return isinstance(kind, pa.BaseExtensionType) and kind.extension_name == "arrow.opaque"


def numeric_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The text of a numeric column handed over as ``arrow.opaque``."""
    return pa.chunked_array([c.storage for c in column.chunks], type=column.type.storage_type)


def as_plain_types(table: pa.Table) -> pa.Table:
    """What DuckDB's ``read_frame`` gives: numbers (PostgreSQL's numeric arrives as text) and
    decimals as float64, dates as timestamps."""
    columns, fields = [], []
    for field, column in zip(table.schema, table.columns, strict=True):
        kind = field.type
        if is_numeric_text(kind):
            column = pc.cast(numeric_text(column), pa.float64())
        elif pa.types.is_decimal(kind):  # through text: Arrow's own cast is not exact
            column = pc.cast(pc.cast(column, pa.string()), pa.float64())
        elif pa.types.is_date(kind):
            column = pc.cast(column, pa.timestamp("us"))
        columns.append(column)
        fields.append(pa.field(field.name, column.type))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


@contextmanager
def open_target(
    kind: str,
    warehouse: Path,
    dsn: str,
    memory_limit: str,
    read_only: bool = False,
    spark: dict[str, str] | None = None,
) -> Iterator:
    """The target of ``kind``: the DuckDB warehouse file, the PostgreSQL database at ``dsn``,
    or the Spark metastore of the ``spark`` settings (this process's session, kept between
    targets until ``spark_session.release``)."""
    if kind == "spark":
        from upsell.targets.spark import SparkTarget
        from upsell.targets.spark_session import session

        if not spark or "UPSELL_SPARK_WAREHOUSE" not in spark:
            raise UpsellError("UPSELL_TARGET=spark needs UPSELL_SPARK_WAREHOUSE")
        yield SparkTarget(session(spark), Path(spark["UPSELL_SPARK_WAREHOUSE"]))
        return
    if kind == "postgres":
        from upsell.targets import postgres

        with postgres.connect(dsn) as con:
            yield PostgresTarget(con)
        return
    from upsell.warehouse import connect

    con = connect(warehouse, read_only=read_only, memory_limit=memory_limit)
    try:
        yield DuckDBTarget(con)
    finally:
        con.close()
