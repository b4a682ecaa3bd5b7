"""``read_frame`` gives the frame DuckDB's ``.df()`` gives, through Arrow."""

from __future__ import annotations

import duckdb
from pandas.testing import assert_frame_equal

from upsell.warehouse import read_frame


def test_read_frame_matches_duckdb_df():
    con = duckdb.connect()
    con.execute(
        'CREATE TABLE t (name VARCHAR, "odd ""name""" VARCHAR, amount DECIMAL(18, 4), '
        "rate DECIMAL(18, 8), day DATE, seen TIMESTAMP, n BIGINT, m INTEGER, flag BOOLEAN, "
        "ok BOOLEAN)"
    )
    con.execute(
        "INSERT INTO t VALUES "
        "('a', 'x', 46.4, 1.162352, '2024-01-31', '2024-01-31 10:00', 1, 7, true, true), "
        "(NULL, NULL, NULL, NULL, NULL, NULL, 2, NULL, NULL, false), "
        "('c', 'é', -0.0001, 0.5, '1999-12-31', '2000-01-01', 3, -2, false, true)"
    )
    sql = "SELECT * FROM t ORDER BY n"
    expected, frame = con.execute(sql).df(), read_frame(con, sql)
    assert_frame_equal(frame, expected)
    assert frame["amount"].tolist()[0] == 46.4  # exact, as DuckDB casts it
