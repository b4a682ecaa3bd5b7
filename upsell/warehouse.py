"""Warehouse access every stage shares: one way to connect, to quote an identifier, to ask
whether a table exists and to read a query into pandas."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from upsell.config import DEFAULTS
from upsell.config import memory_limit as checked_memory_limit
from upsell.errors import UpsellError


def connect(
    path: Path,
    read_only: bool = False,
    memory_limit: str = DEFAULTS["UPSELL_DUCKDB_MEMORY_LIMIT"],
) -> duckdb.DuckDBPyConnection:
    """A warehouse connection with the settings every stage relies on."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        raise UpsellError(f"cannot open warehouse {path}: {exc}") from None
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # progress bars would fill the run logs
    # Large builds spill to <warehouse>.tmp (DuckDB's default) instead of failing at the limit.
    con.execute(f"SET memory_limit = '{checked_memory_limit(memory_limit)}'")
    return con


def q(name: str) -> str:
    """Quote an identifier from the contract."""
    return '"' + name.replace('"', '""') + '"'


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists in the connection's own database."""
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = ? AND table_name = ?",
            [schema, table],
        ).fetchall()[0][0]  # fetched to the end: DuckDB refuses the next query otherwise
    )


# .df() gives these pandas types to columns with nulls (Arrow's default would be object/float64)
WITH_NULLS = {
    pa.bool_(): pd.BooleanDtype(),
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
}


def read_frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """The result of ``sql`` as the frame ``.df()`` gives, three to six times faster.

    ``.df()`` makes a Python string of every text value, which pandas 3 converts back to
    Arrow strings (2.6 s against 0.4 s for 1 M usage rows). DECIMAL and DATE columns are cast
    to what ``.df()`` gives (float64, datetime64[us]), and so are integer and boolean columns
    with nulls (``Int64``, ``boolean``).
    """
    relation = con.sql(sql)
    casts = []
    for name, kind in zip(relation.columns, relation.types, strict=True):
        if str(kind).startswith("DECIMAL"):
            casts.append(f"{q(name)}::DOUBLE AS {q(name)}")
        elif str(kind) == "DATE":
            casts.append(f"{q(name)}::TIMESTAMP AS {q(name)}")
    if casts:
        relation = con.sql(f"SELECT * REPLACE ({', '.join(casts)}) FROM ({sql})")
    return frame_from_arrow(relation.to_arrow_table())


def frame_from_arrow(table: pa.Table) -> pd.DataFrame:
    """``table`` as pandas, integer and boolean columns with nulls as nullable types, so every
    engine's result arrives as the same frame."""
    frame = table.to_pandas()
    for name, column in zip(table.column_names, table.columns, strict=True):
        if column.null_count and column.type in WITH_NULLS:
            frame[name] = column.to_pandas(types_mapper=WITH_NULLS.get)
    return frame
