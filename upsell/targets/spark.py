"""Spark as the warehouse: tables in a Hive metastore over Parquet files under
UPSELL_SPARK_WAREHOUSE, read and written through the session of ``spark_session``.

The landing zone is still read and validated in DuckDB (quarantine, reconciliation, all or
nothing per delivery). What a run loaded reaches Spark as Parquet files that DuckDB writes into
new folders, invisible to readers; only when all of them are written does each raw table's
location move to its new folder, and the record of deliveries moves last. A copy that fails
part way leaves that record behind the warehouse, so the next run copies every raw table again
(``raw_copy``): Spark never keeps part of a delivery unnoticed. Without a table format (Delta,
Iceberg) a reader can still see one table moved and the next not yet, for the milliseconds the
metastore takes; the dbt run that reads them comes after the copy.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from upsell.serving import export
from upsell.targets.engine import as_plain_types
from upsell.warehouse import frame_from_arrow, q

RAW_FILES = "landed"  # the raw tables' Parquet folders, beside the metastore's own tables
DELIVERIES = "_deliveries"
SCORES = ("ml", "propensity_scores")


def bq(name: str) -> str:
    """A Spark SQL identifier."""
    return "`" + name.replace("`", "``") + "`"


def plain_arrow(table: pa.Table) -> pa.Table:
    """What DuckDB and the other engines give: timestamps as wall-clock UTC without a zone
    (Spark's TIMESTAMP arrives zoned in the session's zone, UTC)."""
    columns, fields = [], []
    for field, column in zip(table.schema, table.columns, strict=True):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            column = pc.cast(column, pa.timestamp(field.type.unit, "UTC")).cast(
                pa.timestamp(field.type.unit)
            )
        columns.append(column)
        fields.append(pa.field(field.name, column.type))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


class SparkTarget:
    """The Spark metastore of UPSELL_SPARK_WAREHOUSE."""

    kind = "spark"

    def __init__(self, spark, warehouse: Path):
        self.spark = spark
        self.warehouse = warehouse  # UPSELL_SPARK_WAREHOUSE: where the raw copy's files go

    def table(self, schema: str, name: str) -> str:
        return f"{bq(schema)}.{bq(name)}"

    def read_published(self, sql: str) -> pa.Table:
        """The result of ``sql`` with Spark's own types (decimals stay decimals)."""
        return plain_arrow(self.spark.sql(sql).toArrow())

    def read_arrow(self, sql: str) -> pa.Table:
        return as_plain_types(self.read_published(sql))

    def read_frame(self, sql: str) -> pd.DataFrame:
        return frame_from_arrow(self.read_arrow(sql))

    def scalar(self, sql: str):
        return self.spark.sql(sql).collect()[0][0]

    def table_exists(self, schema: str, name: str) -> bool:
        return self.spark.catalog.tableExists(f"{schema}.{name}")

    def tables(self, schema: str) -> list[str]:
        if not self.spark.catalog.databaseExists(schema):
            return []
        return sorted(t.name for t in self.spark.catalog.listTables(schema))

    def sample(self, column: str, per_10k: int) -> str:
        """PostgreSQL's sample: the first 28 bits of the value's md5."""
        return f"pmod(cast(conv(substr(md5({column}), 1, 7), 16, 10) AS BIGINT), 10000) < {per_10k}"

    def replace_rows(self, schema: str, name: str, data: pa.Table, create_sql: str) -> None:
        del create_sql  # the table exists: dbt's on-run-start hook creates it
        relation = self.table(schema, name)
        columns = self.spark.table(relation).columns
        frame = self.spark.createDataFrame(data.select(columns))
        frame.write.insertInto(relation, overwrite=True)

    def delivered(self) -> dict | None:
        """The deliveries (day -> fingerprint) the raw layer holds; None without one."""
        if not self.table_exists("raw", DELIVERIES):
            return None
        rows = self.spark.sql(f"SELECT delivery_date, fingerprint FROM raw.{DELIVERIES}").collect()
        return {row[0]: row[1] for row in rows}

    def copy_tables(
        self, source: duckdb.DuckDBPyConnection, tables: Iterable[tuple[str, str]]
    ) -> dict[str, int]:
        """Make each ``(schema, table)`` hold what the DuckDB table of the same name holds:
        every table's Parquet file first, then the locations (the record of deliveries last).
        Returns the rows copied per table."""
        tables = sorted(tables, key=lambda t: (t[1] == DELIVERIES, t))
        version = uuid.uuid4().hex
        written, copied = [], {}
        try:
            for schema, table in tables:
                folder = self.warehouse / RAW_FILES / schema / table / version
                folder.mkdir(parents=True)
                written.append(folder)
                # COPY answers with the rows it wrote (fetched to the end: DuckDB refuses
                # the next query on the connection otherwise)
                copied[f"{schema}.{table}"] = source.execute(
                    f"COPY (SELECT * FROM {q(schema)}.{q(table)}) "
                    f"TO '{folder / 'part-0.parquet'}' (FORMAT parquet)"
                ).fetchall()[0][0]
        except Exception:
            for folder in written:
                shutil.rmtree(folder, ignore_errors=True)
            raise
        for (schema, table), folder in zip(tables, written, strict=True):
            self._locate(schema, table, folder)
            _drop_older(folder)
        return copied

    def _locate(self, schema: str, table: str, folder: Path) -> None:
        """Point ``schema.table`` at ``folder``: its location moves when its columns are
        unchanged, and it is created anew when they changed (a new contract version; dbt's
        staging views on it are made again by the run that follows)."""
        relation = self.table(schema, table)
        if not self.spark.catalog.databaseExists(schema):
            self.spark.sql(f"CREATE DATABASE {bq(schema)}")
        columns = self.spark.read.parquet(str(folder)).schema
        if self.table_exists(schema, table) and self.spark.table(relation).schema == columns:
            self.spark.sql(f"ALTER TABLE {relation} SET LOCATION '{folder}'")
            self.spark.sql(f"REFRESH TABLE {relation}")
            return
        self.spark.sql(f"DROP TABLE IF EXISTS {relation}")
        self.spark.sql(f"CREATE TABLE {relation} USING parquet LOCATION '{folder}'")


def export_serving(
    target: SparkTarget,
    warehouse: duckdb.DuckDBPyConnection,
    serving: Path,
    documented: dict[str, list[str]],
) -> dict[str, int]:
    """Write the DuckDB serving file from Spark's marts and scores, each mart's columns in
    their ``documented`` order (its contract's): Spark puts a partitioned table's partition
    column last (``fct_account_features.snapshot_date``)."""

    def read(schema: str, table: str) -> pa.Table:
        data = target.read_published(f"SELECT * FROM {target.table(schema, table)}")
        order = documented.get(table, [])
        return data.select(order) if sorted(order) == sorted(data.column_names) else data

    tables = [("marts", t) for t in target.tables("marts")] + [SCORES]
    return export(warehouse, serving, tables, read)


def _drop_older(current: Path) -> None:
    """Keep the table's current folder and the one before (a reader may still be on it)."""
    folders = sorted(
        (p for p in current.parent.iterdir() if p.is_dir() and p != current),
        key=lambda p: p.stat().st_mtime,
    )
    for stale in folders[:-1]:
        shutil.rmtree(stale, ignore_errors=True)
