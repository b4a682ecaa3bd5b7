"""Cell-by-cell comparison of two engines' tables: the proof that an engine gives the same
marts, which passing tests alone do not give (every test can pass while numbers differ)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

RELATIVE = 1e-9


def _canonical(table: pa.Table) -> pd.DataFrame:
    """Rows in a fixed order, decimals as floats, dates as timestamps, so that the same result
    from two engines compares equal."""
    frame = table.to_pandas()
    for name in frame.columns:
        kind = table.schema.field(name).type
        if pa.types.is_decimal(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind):
            frame[name] = pd.to_numeric(frame[name]).astype("float64")
        elif pa.types.is_date(kind) or pa.types.is_timestamp(kind):
            frame[name] = pd.to_datetime(frame[name])
        elif getattr(kind, "extension_name", "") == "arrow.opaque":  # numeric read as text
            frame[name] = pd.to_numeric(frame[name]).astype("float64")
    numbers = [c for c in frame.columns if frame[c].dtype == "float64"]
    others = [c for c in frame.columns if c not in numbers]
    keys = frame[others].astype("string").fillna("\x00null")
    for c in numbers:
        keys[c] = frame[c].round(6).astype("string").fillna("\x00null")
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def differences(name: str, expected: pa.Table, actual: pa.Table, limit: int = 5) -> list[str]:
    """What differs between ``expected`` and ``actual`` (column names, row count, cells), in
    words; empty when they are equal (numbers within ``RELATIVE``)."""
    if expected.column_names != actual.column_names:
        return [f"{name}: columns {expected.column_names} != {actual.column_names}"]
    if expected.num_rows != actual.num_rows:
        return [f"{name}: {expected.num_rows} rows != {actual.num_rows} rows"]
    left, right = _canonical(expected), _canonical(actual)
    found = []
    for column in left.columns:
        a, b = left[column], right[column]
        for row in np.flatnonzero(~_same(a, b))[: limit - len(found)]:
            found.append(f"{name}.{column} row {row}: {a.iloc[row]!r} != {b.iloc[row]!r}")
        if len(found) >= limit:
            break
    return found


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Per row: both null, or equal (numbers within ``RELATIVE``)."""
    nulls = a.isna().to_numpy() & b.isna().to_numpy()
    either = a.isna().to_numpy() | b.isna().to_numpy()
    if a.dtype == "float64" and b.dtype == "float64":
        close = np.isclose(a.to_numpy(), b.to_numpy(), rtol=RELATIVE, atol=1e-12, equal_nan=False)
    else:
        close = (a.astype(object).to_numpy() == b.astype(object).to_numpy()).astype(bool)
    return nulls | (~either & close)
