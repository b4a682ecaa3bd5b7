"""Publish the marts to the serving file BI tools read: write-audit-publish.

DuckDB allows one writer or many readers per file, never both, so BI tools never open the
warehouse. Each publication writes a complete new file beside the serving file (in a storage
format DuckDB 1.5 readers open), checks it, then renames it over the old one in one atomic
step: a reader that has the old file open keeps its snapshot, a new connection sees the new
data, nobody ever sees half a publication.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from upsell.errors import UpsellError
from upsell.ingest.deliveries import find_deliveries
from upsell.warehouse import q, table_exists

STORAGE_VERSION = "v1.5.0"  # the oldest DuckDB that BI drivers commonly bundle
PUBLISHED = [("marts", None), ("ml", "propensity_scores")]


def published_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(schema, table) of every relation that goes to BI tools."""
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database()"
    ).fetchall()
    wanted = []
    for schema, table in sorted(rows):
        for want_schema, want_table in PUBLISHED:
            if schema == want_schema and want_table in (None, table):
                wanted.append((schema, table))
    return wanted


def publish(con: duckdb.DuckDBPyConnection, serving: Path) -> dict[str, int]:
    """Copy the published tables into a new file and atomically replace ``serving`` with it.

    Returns the row count of each published table. Raises ``UpsellError`` (and leaves the old
    serving file in place) when the new file does not hold exactly what the warehouse holds.
    """
    tables = published_tables(con)
    if not tables:
        raise UpsellError("nothing to publish: the warehouse has no marts yet")
    serving.parent.mkdir(parents=True, exist_ok=True)
    for stale in serving.parent.glob(f".{serving.name}.*.tmp*"):
        stale.unlink()  # left by a killed publication; only one run publishes at a time
    staging = serving.with_name(f".{serving.name}.{uuid.uuid4().hex}.tmp")
    expected = {}
    try:
        con.execute(f"ATTACH '{staging}' AS publication (STORAGE_VERSION '{STORAGE_VERSION}')")
        try:
            for schema in sorted({s for s, _ in tables}):
                con.execute(f"CREATE SCHEMA publication.{schema}")
            for schema, table in tables:
                con.execute(
                    f"CREATE TABLE publication.{schema}.{table} AS SELECT * FROM {schema}.{table}"
                )
                expected[f"{schema}.{table}"] = con.execute(
                    f"SELECT count(*) FROM {schema}.{table}"
                ).fetchone()[0]
            con.execute("CREATE SCHEMA publication.meta")
            # Which deliveries the published marts hold: a daily run with none newer has
            # nothing to publish (``unpublished_deliveries``).
            con.execute(
                "CREATE TABLE publication.meta.publication AS SELECT ?::TIMESTAMP AS "
                "published_at, ?::DATE[] AS delivery_dates",
                [datetime.now(UTC).replace(tzinfo=None), _delivered(con)],
            )
            # What a reader can check the file against: every table and its rows.
            con.execute(
                "CREATE TABLE publication.meta.published_tables "
                "(table_name VARCHAR, row_count BIGINT)"
            )
            con.executemany(
                "INSERT INTO publication.meta.published_tables VALUES (?, ?)",
                sorted(expected.items()),
            )
        finally:
            con.execute("DETACH publication")  # checkpoints: the file is complete, no WAL
        _audit(staging, expected)
        with staging.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(staging, serving)  # atomic on one filesystem
        directory = os.open(serving.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        staging.unlink(missing_ok=True)
        Path(f"{staging}.wal").unlink(missing_ok=True)
    return expected


def _delivered(con: duckdb.DuckDBPyConnection) -> list[date]:
    """The deliveries loaded into the warehouse (none where nothing was ever loaded)."""
    if not table_exists(con, "raw", "_deliveries"):
        return []
    return [
        d for (d,) in con.execute("SELECT delivery_date FROM raw._deliveries ORDER BY 1").fetchall()
    ]


def _audit(path: Path, expected: dict[str, int]) -> None:
    if Path(f"{path}.wal").exists():
        raise UpsellError(f"{path} still has a write-ahead log after checkpoint")
    check = duckdb.connect(str(path), read_only=True)
    try:
        for name, rows in expected.items():
            got = check.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            if got != rows:
                raise UpsellError(f"publication audit: {name} has {got} rows, expected {rows}")
    finally:
        check.close()


def published_deliveries(serving: Path) -> set[date] | None:
    """The delivery dates the serving file was published from; None without a (readable)
    publication. Readers never block the writer: the file is only ever replaced whole."""
    if not serving.exists():
        return None
    try:
        con = duckdb.connect(str(serving), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute("SELECT delivery_dates FROM meta.publication").fetchone()
    except duckdb.Error:  # published before the file recorded its deliveries
        return None
    finally:
        con.close()
    return set(row[0] or [])


def unpublished_deliveries(landing: Path, serving: Path) -> tuple[list[date], str]:
    """Complete deliveries of ``landing`` that the serving file does not hold yet, and a
    sentence saying so when there are none (for a run that has nothing to do)."""
    published = published_deliveries(serving)
    found = find_deliveries(landing)
    deliveries = found.deliveries
    complete = [d.day for d in deliveries if d.complete]
    if published is None or found.refused:  # the run says what it refuses, and why
        return complete, ""
    new = [day for day in complete if day not in published]
    if new or not complete:
        return new, ""
    waiting = [d.day.isoformat() for d in deliveries if not d.complete]
    incomplete = f"; {', '.join(waiting)} not complete yet (no _SUCCESS)" if waiting else ""
    return [], (
        f"nothing new in {landing}: every complete delivery (the latest {max(complete)}) is "
        f"loaded and published{incomplete}"
    )


def export(
    warehouse: duckdb.DuckDBPyConnection,
    serving: Path,
    tables: Iterable[tuple[str, str]],
    read: Callable[[str, str], pa.Table],
) -> dict[str, int]:
    """Write the serving file from another engine's published tables (``read(schema,
    table)``), with the deliveries of the DuckDB ``warehouse`` they were built from."""
    local = duckdb.connect()
    try:
        local.execute("CREATE SCHEMA raw")
        local.register("deliveries", warehouse.sql("SELECT * FROM raw._deliveries").arrow())
        local.execute("CREATE TABLE raw._deliveries AS SELECT * FROM deliveries")
        for schema, table in tables:
            local.execute(f"CREATE SCHEMA IF NOT EXISTS {q(schema)}")
            local.register("published", read(schema, table))
            local.execute(f"CREATE TABLE {q(schema)}.{q(table)} AS SELECT * FROM published")
            local.unregister("published")
        return publish(local, serving)
    finally:
        local.close()
