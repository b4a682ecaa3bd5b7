"""Which raw tables a run copies from the DuckDB ingest to the target, and the copy itself.

Normally only what the run's deliveries touched (their tables, history and quarantine, and the
load records). When the target's record of deliveries is not the warehouse's as it was before
the run (a first run on this target, an earlier copy that failed, a target restored from a
backup), every raw table is copied: a target never stays behind the warehouse unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import duckdb

from upsell.ingest.loader import LoadReport, loaded_deliveries
from upsell.ingest.rules import VERSIONED

LOAD_RECORDS = ("_deliveries", "_load_manifest")


def tables_to_copy(
    raw_tables: Iterable[str],
    warehouse: dict[date, str],
    target: dict[date, str] | None,
    loaded: Iterable[date],
    touched: Iterable[str],
) -> list[str]:
    """The raw tables to copy, given the deliveries (day -> fingerprint) the warehouse and the
    target hold after the load (``target`` None: the target has no raw layer yet)."""
    raw_tables, loaded = sorted(raw_tables), set(loaded)
    before = {day: fp for day, fp in warehouse.items() if day not in loaded}
    if target != before:
        return raw_tables
    if not loaded:
        return []
    wanted = set(LOAD_RECORDS)
    for table in touched:
        wanted |= {table, f"{table}__quarantine"}
        if table in VERSIONED:
            wanted.add(f"{table}__history")
    return [t for t in raw_tables if t in wanted]


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'raw' ORDER BY table_name"
        ).fetchall()
    ]


def plan(con: duckdb.DuckDBPyConnection, target_deliveries, report: LoadReport) -> list[str]:
    """``tables_to_copy`` for a load ``report`` in the warehouse ``con``."""
    return tables_to_copy(
        raw_tables(con),
        loaded_deliveries(con),
        target_deliveries,
        report.loaded,
        {load.table for _, load in report.tables},
    )
