"""DuckDB query results as pandas frames, through Arrow."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from orchestration.ingest.rules import q

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
    table = relation.to_arrow_table()
    frame = table.to_pandas()
    for name, column in zip(table.column_names, table.columns, strict=True):
        if column.null_count and column.type in WITH_NULLS:
            frame[name] = column.to_pandas(types_mapper=WITH_NULLS.get)
    return frame
