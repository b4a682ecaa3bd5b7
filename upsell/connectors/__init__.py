"""Connectors: extractions from source systems written as ordinary landing-zone deliveries.

Each source is a module with ``prepare(env, state, fallback_currency, now, full)`` returning
the contract rows of what changed (``common.Prepared``); ``upsell.connectors.run`` extracts one
or several sources into one delivery. What they share (secrets, base URLs, the cursor and the
resumable staging, writing the delivery) is ``upsell.connectors.common``. The registry below
is read without importing the vendors' clients (the Dagster definitions load it).
docs/connectors.md says how to add a source.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from upsell.errors import UpsellError


@dataclass(frozen=True)
class Source:
    module: str
    secrets: tuple[str, ...]  # environment variables, any of which set means the source is in use
    tables: tuple[str, ...]  # the contract tables its deliveries can hold
    crm: bool = False  # a CRM owns the accounts: the other sources link their customers to them


CRM_TABLES = ("crm_accounts", "crm_contacts", "crm_opportunities", "crm_activities")
SOURCES = {
    "stripe": Source(
        "upsell.connectors.stripe",
        ("UPSELL_STRIPE_API_KEY",),
        ("crm_accounts", "sub_plans", "sub_subscription_events", "sub_invoices"),
    ),
    "hubspot": Source(
        "upsell.connectors.hubspot",
        ("UPSELL_HUBSPOT_TOKEN",),
        (*CRM_TABLES, "crm_support_tickets", "crm_survey_responses"),
        crm=True,
    ),
    "salesforce": Source(
        "upsell.connectors.salesforce",
        ("UPSELL_SALESFORCE_CLIENT_SECRET", "UPSELL_SALESFORCE_SESSION_ID"),
        (*CRM_TABLES, "crm_support_tickets"),
        crm=True,
    ),
    "shopify": Source(
        "upsell.connectors.shopify",
        ("UPSELL_SHOPIFY_TOKEN",),
        ("crm_accounts", "shop_products", "shop_orders", "shop_order_items"),
    ),
}


def source_module(source: str):
    if source not in SOURCES:
        raise UpsellError(f"{source!r} is not a source; sources: {', '.join(sorted(SOURCES))}")
    return importlib.import_module(SOURCES[source].module)


def configured(env) -> list[str]:
    """The sources whose secret is set: those a scheduled extraction runs."""
    return [name for name, s in SOURCES.items() if any(env.get(v) for v in s.secrets)]


def crm_in_use(env) -> str | None:
    """The CRM whose secret is set, which owns the accounts; refused when two are: an account
    would have two ids and two versions of its fields."""
    crms = [name for name in configured(env) if SOURCES[name].crm]
    if len(crms) > 1:
        given = " and ".join(next(v for v in SOURCES[c].secrets if env.get(v)) for c in crms)
        raise UpsellError(
            f"{given} are both set: the accounts come from one CRM; unset one of them"
        )
    return crms[0] if crms else None


def extract(sources: list[str], env, settings, full: bool = False, now=None):
    """One extraction of ``sources`` into one delivery in the landing zone of ``settings``."""
    from upsell.connectors import run

    return run.extract(
        sources,
        env,
        settings.landing_dir,
        settings.connector_state_dir,
        settings.reporting_currency,
        now=now,
        full=full,
    )
