"""dbt's ``raw`` source (``dbt_project/models/staging/_raw__sources.yml``), generated from the
landing contract so that the tables and columns dbt documents are the ones the loader writes.

Regenerate after changing the contract: ``python -m upsell.dbt_sources``; a test fails while
the committed file differs from what this writes.
"""

from __future__ import annotations

import json
from pathlib import Path

from upsell.contract import TABLES, Column, Table
from upsell.ingest.rules import VERSIONED

SOURCES_FILE = (
    Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "staging" / "_raw__sources.yml"
)

SOURCE_DESCRIPTION = (
    "The landing zone's exports as loaded by the Dagster ingestion assets: each key's newest "
    "version, typed, with load metadata. Bad rows are in <table>__quarantine and never reach a "
    "model."
)

# What each export holds, in words (the contract says its columns and rules, not its meaning).
TABLE_DESCRIPTIONS = {
    "crm_accounts": "CRM accounts (companies), one row per account.",
    "crm_contacts": "CRM contacts of accounts. email and full_name are PII: hashed or dropped "
    "in staging.",
    "crm_opportunities": "Sales opportunities (new business, upsell, cross-sell, renewal).",
    "crm_activities": "Emails, calls and meetings logged against accounts.",
    "crm_support_tickets": "Support tickets with priority and resolution time.",
    "crm_survey_responses": "NPS (0-10) and CSAT (1-5) survey responses.",
    "crm_upsell_offers": "Upsell offers sent in A/B campaigns.",
    "sub_plans": "Subscription plans: tier, billing interval, currency and per-seat price.",
    "sub_subscription_events": "Subscription events; each states the whole state (plan, seats, "
    "discount) from effective_at on.",
    "sub_invoices": "Subscription invoices with their status.",
    "shop_products": "Web-shop products; is_addon marks add-ons to the subscription.",
    "shop_orders": "Web-shop orders with their status.",
    "shop_order_items": "Lines of web-shop orders.",
    "usage_daily": "Daily product usage per account.",
    "ref_fx_rates": "Daily currency rates: one unit of currency in the reporting currency.",
}

DELIVERIES = {
    "name": "_deliveries",
    "description": "The load manifest: one row per delivery loaded into raw (date, content "
    "fingerprint, files, load time, run id).",
    "columns": {
        "delivery_date": "The delivery's extraction date (its folder name in the landing zone)."
    },
}


def column_description(table: Table, col: Column) -> str:
    """The column's type and rules as the contract states them, e.g.
    ``string, references crm_accounts.account_id (key)``."""
    parts = [col.type]
    if col.enum:
        parts.append("one of " + ", ".join(col.enum))
    if col.references:
        parts.append(f"references {col.references}")
    if col.pii:
        parts.append("PII")
    key = " (key)" if col.name in table.key else ""
    return ", ".join(parts) + key


def _history_description(table: str) -> str:
    return (
        f"Every version of every {table} row as delivered, with its delivery date "
        "(for point-in-time features)."
    )


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _table_lines(name: str, description: str, columns: dict[str, str]) -> list[str]:
    lines = [f"      - name: {name}", f"        description: {_quoted(description)}"]
    if columns:
        lines.append("        columns:")
        for column, text in columns.items():
            lines += [f"          - name: {column}", f"            description: {_quoted(text)}"]
    return lines


def render_sources() -> str:
    """The YAML text of the ``raw`` source: the load manifest, every contract table with its
    columns in contract order, then the history tables of the versioned ones."""
    lines = [
        f"# Generated from upsell/contract.py by `python -m {__spec__.name}`: do not edit.",
        "version: 2",
        "",
        "sources:",
        "  - name: raw",
        f"    description: {_quoted(SOURCE_DESCRIPTION)}",
        "    schema: raw",
        "    tables:",
    ]
    lines += _table_lines(DELIVERIES["name"], DELIVERIES["description"], DELIVERIES["columns"])
    for table in TABLES.values():
        columns = {c.name: column_description(table, c) for c in table.columns}
        lines += _table_lines(table.name, TABLE_DESCRIPTIONS[table.name], columns)
    for table in VERSIONED:
        lines += _table_lines(f"{table}__history", _history_description(table), {})
    return "\n".join(lines) + "\n"


def write_sources(path: Path = SOURCES_FILE) -> Path:
    path.write_text(render_sources())
    return path


if __name__ == "__main__":
    print(f"wrote {write_sources()}")
