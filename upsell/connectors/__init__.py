"""Connectors: extractions from source systems written as ordinary landing-zone deliveries.

Each source is a module with ``extract(env, landing, state_root, fallback_currency, now=None,
full=False)`` returning an ``Extraction``; what they share (secrets, base URLs, the cursor and
the resumable staging, writing the delivery) is ``upsell.connectors.common``. The registry
below is read without importing the vendors' clients (the Dagster definitions load it).
docs/connectors.md says how to add a source.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from upsell.errors import UpsellError


@dataclass(frozen=True)
class Source:
    module: str
    secret: str  # the environment variable whose presence means the source is in use
    tables: tuple[str, ...]  # the contract tables its deliveries can hold


SOURCES = {
    "stripe": Source(
        "upsell.connectors.stripe",
        "UPSELL_STRIPE_API_KEY",
        ("crm_accounts", "sub_plans", "sub_subscription_events", "sub_invoices"),
    ),
}


def source_module(source: str):
    if source not in SOURCES:
        raise UpsellError(f"{source!r} is not a source; sources: {', '.join(sorted(SOURCES))}")
    return importlib.import_module(SOURCES[source].module)


def configured(env) -> list[str]:
    """The sources whose secret is set: those a scheduled extraction runs."""
    return [name for name, source in SOURCES.items() if env.get(source.secret)]


def extract(source: str, env, settings, full: bool = False, now=None):
    """One extraction of ``source`` into the landing zone of ``settings``."""
    return source_module(source).extract(
        env,
        settings.landing_dir,
        settings.connector_state_dir,
        settings.reporting_currency,
        now=now,
        full=full,
    )
