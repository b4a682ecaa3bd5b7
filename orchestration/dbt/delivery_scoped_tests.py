"""How much of the large tables a run's data tests read: the whole tables, or the keys of the
rows whose delivery was loaded since the last run whose tests passed.

A data test declared with ``delivered_column`` (``unique_combination`` on
``stg_usage__daily``: 25 M rows at 100,000 accounts, the longest test of a daily run) checks
only those keys, each against the whole table. Before dbt runs, the scope is written to
``raw._data_test_runs`` (the test reads it when it runs; a dbt var would change every day and
make dbt parse the whole project again); after a run whose scoped tests passed, the run is
marked passed. The record lives in the warehouse, so it goes with the data it describes: a new
warehouse is tested whole. Whole tables are tested by ``full_refresh``, when no run has passed,
and when the last whole-table pass is older than ``WHOLE_TABLES_EVERY``, so that what no
delivery explains (a migration, a hand edit) is still caught within a week.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

TABLE_NAME = "_data_test_runs"
TABLE = f"raw.{TABLE_NAME}"
WHOLE_TABLES_EVERY = timedelta(days=7)


@dataclass(frozen=True)
class DataTestRun:
    loaded_after: datetime | None  # None: whole tables
    loaded_through: datetime | None  # the newest delivery load when the run started
    started_at: datetime
    passed: bool


def scope(
    runs: Iterable[DataTestRun], now: datetime, whole_every: timedelta = WHOLE_TABLES_EVERY
) -> datetime | None:
    """The load time after which changed keys are tested, or None to test whole tables."""
    passed = [run for run in runs if run.passed]
    whole = [run.started_at for run in passed if run.loaded_after is None]
    if not whole or now - max(whole) > whole_every:
        return None
    covered = [run.loaded_through for run in passed if run.loaded_through is not None]
    return max(covered) if covered else None


def scoped_tests(manifest: Mapping[str, Any]) -> set[str]:
    """Names of the data tests that can be limited to the changed keys."""
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("kwargs", {}).get("delivered_column")
    }


def begin(
    con: duckdb.DuckDBPyConnection, run_id: str, now: datetime, whole_tables: bool
) -> datetime | None:
    """Decide and write the scope of the run's tests; returns it (None: whole tables)."""
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (run_id VARCHAR, loaded_after TIMESTAMP, "
        "loaded_through TIMESTAMP, started_at TIMESTAMP, passed BOOLEAN)"
    )
    rows = con.execute(
        f"SELECT loaded_after, loaded_through, started_at, passed FROM {TABLE}"
    ).fetchall()
    after = None if whole_tables else scope([DataTestRun(*row) for row in rows], now)
    through = con.execute("SELECT max(loaded_at) FROM raw._deliveries").fetchall()[0][0]
    con.execute(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, false)", [run_id, after, through, now])
    return after


def mark_passed(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    con.execute(f"UPDATE {TABLE} SET passed = true WHERE run_id = ?", [run_id])


def utc_now() -> datetime:
    """Naive UTC, as the loader writes raw._deliveries.loaded_at."""
    return datetime.now(UTC).replace(tzinfo=None)
