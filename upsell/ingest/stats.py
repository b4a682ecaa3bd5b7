"""What a load leaves in ``raw``, per relation: the figures shown beside each raw table (rows
loaded and quarantined by this load, rows now held, the latest delivery's bad share, a preview
without PII)."""

from __future__ import annotations

from typing import Any

import duckdb

from upsell.contract import TABLES
from upsell.ingest.loader import LoadReport
from upsell.ingest.rules import VERSIONED


def preview(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The first rows of ``raw.<table>`` as Markdown, PII columns left out."""
    frame = con.execute(f"SELECT * FROM raw.{table} ORDER BY _line LIMIT 5").df()
    pii = [c.name for c in TABLES[table].columns if c.pii]
    return frame.drop(columns=pii).to_markdown(index=False) if len(frame) else "(empty)"


def raw_stats(con: duckdb.DuckDBPyConnection, report: LoadReport) -> dict[str, dict[str, Any]]:
    """Per raw relation (each contract table, each history, ``_deliveries``), its figures."""
    delivered = [d.isoformat() for d in report.loaded]
    this_run = {t.table: t for _, t in report.tables}
    stats: dict[str, dict[str, Any]] = {}
    for table in TABLES:
        total, in_quarantine = con.execute(
            f"SELECT (SELECT count(*) FROM raw.{table}), "
            f"(SELECT count(*) FROM raw.{table}__quarantine)"
        ).fetchone()
        stats[table] = {
            "rows_loaded": sum(t.loaded for _, t in report.tables if t.table == table),
            "rows_quarantined": sum(t.quarantined for _, t in report.tables if t.table == table),
            "deliveries_loaded": delivered,
            "dagster/row_count": total,
            "rows_in_quarantine": in_quarantine,
            "bad_share_latest": this_run[table].bad_share if table in this_run else 0.0,
            "preview": preview(con, table),
        }
    for name in VERSIONED:
        versions = con.execute(f"SELECT count(*) FROM raw.{name}__history").fetchone()[0]
        stats[f"{name}__history"] = {"dagster/row_count": versions}
    count, latest = con.execute(
        "SELECT count(*), max(delivery_date) FROM raw._deliveries"
    ).fetchone()
    stats["_deliveries"] = {
        "dagster/row_count": count,
        "latest_delivery": str(latest),
        "deliveries_loaded": delivered,
    }
    return stats
