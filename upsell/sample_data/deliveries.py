"""Write the landing zone: one folder per delivery date, one file per table, ``_SUCCESS`` last."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from upsell.contract import SUCCESS_MARKER, TABLES
from upsell.sample_data.simulate import DAY
from upsell.sample_data.tables.sql import CONTRACT_SQL, USAGE_SQL

# Coded frame behind each table, its version key (None: rows never change) and sort order.
SOURCES: dict[str, tuple[str, str | None, str]] = {
    "crm_accounts": ("crm_accounts", "acc", "acc"),
    "crm_contacts": ("crm_contacts", "contact", "contact"),
    "crm_opportunities": ("crm_opportunities", "opp", "opp"),
    "crm_activities": ("crm_activities", None, "activity"),
    "crm_support_tickets": ("crm_support_tickets", "ticket", "ticket"),
    "crm_survey_responses": ("crm_survey_responses", None, "response"),
    "crm_upsell_offers": ("crm_upsell_offers", None, "offer"),
    "sub_plans": ("sub_plans", None, "plan_id"),
    "sub_subscription_events": ("sub_subscription_events", None, "event"),
    "sub_invoices": ("sub_invoices", "invoice", "invoice"),
    "shop_products": ("shop_products", None, "product_id"),
    "shop_orders": ("shop_orders", '"order"', '"order"'),
    "shop_order_items": ("shop_order_items", None, "item"),
    "ref_fx_rates": ("ref_fx_rates", None, "rate_date, currency"),
}
MIXED = {"usage_daily": "parquet"}  # telemetry usually comes from a warehouse as Parquet
COPY_OPTIONS = {
    "csv": "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NULL '', "
    "TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%SZ', DATEFORMAT '%Y-%m-%d'",
    "parquet": "FORMAT parquet, COMPRESSION zstd",
    "jsonl": "FORMAT json, TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%SZ', DATEFORMAT '%Y-%m-%d'",
}


def delivery_dates(end: date, deliveries: int) -> list[date]:
    """The first, full delivery is ``deliveries`` days before ``end``; then one per day."""
    return [end - timedelta(days=deliveries - i) for i in range(deliveries + 1)]


def _cutoff(day: date) -> int:
    """Last second of ``day`` as epoch seconds: what a delivery dated ``day`` can contain."""
    return int(pd.Timestamp(day).timestamp()) + DAY - 1


def table_format(table: str, fmt: str) -> str:
    return MIXED.get(table, "csv") if fmt == "mixed" else fmt


def write_deliveries(
    con: duckdb.DuckDBPyConnection,
    frames: dict[str, pd.DataFrame],
    out: Path,
    end: date,
    deliveries: int,
    fmt: str,
    seed: int,
) -> list[Path]:
    for name, frame in frames.items():
        con.register(name, frame)
    con.execute("CREATE OR REPLACE TEMP TABLE plans AS SELECT * FROM sub_plans ORDER BY tier")
    folders = []
    lo = -(2**62)
    for day in delivery_dates(end, deliveries):
        hi = _cutoff(day)
        folder = out / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        for table in TABLES:
            ext = table_format(table, fmt)
            path = folder / f"{table}.{ext}"
            if table == "usage_daily":
                query = USAGE_SQL
                params = {"lo": lo, "hi": hi, "seed": seed}
            else:
                source, key, order = SOURCES[table]
                latest = (
                    f"QUALIFY row_number() OVER "
                    f"(PARTITION BY {key} ORDER BY _arrival DESC, _v DESC) = 1"
                    if key
                    else ""
                )
                window = f"SELECT * FROM {source} WHERE _arrival > $lo AND _arrival <= $hi {latest}"
                query = f"{CONTRACT_SQL[table]} FROM ({window}) ORDER BY {order}"
                params = {"lo": lo, "hi": hi}
            rows = con.execute(f"COPY ({query}) TO '{path}' ({COPY_OPTIONS[ext]})", params)
            if rows.fetchone()[0] == 0:
                path.unlink()  # a table with no changes is absent from the delivery
        folders.append(folder)
        lo = hi
    return folders


def mark_complete(folder: Path) -> None:
    """The exporter's last word: the delivery is complete."""
    (folder / SUCCESS_MARKER).write_bytes(b"")
