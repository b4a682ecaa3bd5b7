"""The engine comparison: what counts as the same table, and what it reports otherwise."""

from __future__ import annotations

import pyarrow as pa

from upsell.targets.compare import differences

EXPECTED = pa.table(
    {
        "key": ["b", "a", "c"],
        "amount": pa.array([200, 100, 300]).cast(pa.decimal128(30, 2)),
        "rate": [0.2, None, 1 / 3],
        "name": ["y", "x", None],
    }
)


def test_the_same_rows_in_another_order_and_type_are_equal():
    actual = pa.table(
        {
            "key": ["a", "c", "b"],
            "amount": [100.0, 300.0, 200.0],  # numeric read as float on another engine
            "rate": [None, (1 / 3) * (1 + 1e-12), 0.2],  # within 1e-9 relative
            "name": ["x", None, "y"],
        }
    )
    assert differences("t", EXPECTED, actual) == []


def test_a_changed_cell_a_null_and_a_missing_row_are_reported():
    changed = pa.table(
        {
            "key": ["a", "b", "c"],
            "amount": [100.0, 200.0, 300.0],
            "rate": [0.0, 0.2, 1 / 3 * (1 + 1e-6)],
            "name": ["x", "y", None],
        }
    )
    assert differences("t", EXPECTED, changed) == [
        "t.rate row 0: np.float64(nan) != np.float64(0.0)",
        "t.rate row 2: np.float64(0.3333333333333333) != np.float64(0.33333366666666664)",
    ]
    assert differences("t", EXPECTED, changed.slice(0, 2)) == ["t: 3 rows != 2 rows"]
    assert differences("t", EXPECTED, changed.drop_columns(["name"]))[0].startswith("t: columns")
