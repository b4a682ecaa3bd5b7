"""One extraction of one or several sources: each source's changes, then one delivery holding
them all, then each source's cursor moved.

The landing contract has one delivery per day, so sources extracted together share it: a
company with Stripe and HubSpot gets one folder a day holding both systems' tables. A source
that fails stops the extraction before anything is delivered; what the others fetched stays
staged, so the next run resumes without fetching it again.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from upsell.connectors import crm_in_use, source_module
from upsell.connectors.common import (
    Prepared,
    State,
    remove_partial_deliveries,
    write_delivery,
)
from upsell.contract import TABLES
from upsell.errors import UpsellError
from upsell.landing_store import BucketPath


@dataclass(frozen=True)
class Extracted:
    """One source's part of an extraction, as reported."""

    source: str
    mode: str  # "full" or "changes"
    delivery: Path | BucketPath | None  # the delivery holding its rows; None: nothing changed
    rows: dict[str, int]
    left_out: list[str]
    resumed: bool


def extract(
    sources: list[str],
    env,
    landing: Path | BucketPath,
    state_root: Path,
    fallback_currency: str,
    now: datetime | None = None,
    full: bool = False,
) -> list[Extracted]:
    now = now or datetime.now(UTC)
    sources = list(dict.fromkeys(sources))
    crm_in_use(env)  # two CRMs are refused before anything is fetched
    states = {source: State(state_root, source) for source in sources}
    with ExitStack() as locks:
        for state in states.values():
            locks.enter_context(state.locked())
        # a bucket's folder without _SUCCESS that a crashed run of these sources began
        remove_partial_deliveries(landing, own_uploads=[s.uploading() for s in states.values()])
        # each source's messages name its system ("Stripe refused the API key ...")
        prepared = [
            source_module(s).prepare(env, states[s], fallback_currency, now, full) for s in sources
        ]
        before = {p.source: states[p.source].delivered() for p in prepared}
        pending = [p for p in prepared if before[p.source] is None]
        rows = merged(pending)
        day = now.date().isoformat()

        def started() -> None:  # a bucket's folder without _SUCCESS is then known to be ours
            for p in pending:
                states[p.source].mark_uploading(day)

        delivery = None
        if rows:
            resuming = any(states[p.source].uploading() == day for p in pending)
            delivery = write_delivery(landing, now.date(), rows, resuming, started)
        for p in pending:
            if delivery is not None and p.rows:
                states[p.source].mark_delivered(delivery.name)
        for p in prepared:
            states[p.source].commit(p.state)
    return [_reported(p, before[p.source], delivery, landing) for p in prepared]


def merged(prepared: list[Prepared]) -> dict[str, list[dict]]:
    """Every source's rows by table. A key delivered by two sources is refused: which one
    is right cannot be told (the CRM owns the accounts; billing and shop sources leave the
    customers linked to a CRM account to it)."""
    rows: dict[str, list[dict]] = {}
    owner: dict[tuple[str, tuple], str] = {}
    for p in prepared:
        for table, table_rows in p.rows.items():
            if not table_rows:
                continue
            key = TABLES[table].key
            for row in table_rows:
                k = (table, tuple(row[c] for c in key))
                other = owner.setdefault(k, p.source)
                if other != p.source:
                    shown = ", ".join(f"{c}={v}" for c, v in zip(key, k[1], strict=True))
                    raise UpsellError(
                        f"{table} row {shown} comes from both {other} and {p.source}: link the "
                        f"{p.source} record to the CRM's account (docs/connectors.md) or extract "
                        "only one of them"
                    )
            rows.setdefault(table, []).extend(table_rows)
    return rows


def _reported(p: Prepared, before: str | None, delivery: Path | None, landing: Path) -> Extracted:
    # a source resumed after its rows were delivered points at that earlier delivery
    holding = (landing / before) if before is not None else (delivery if p.rows else None)
    counts = {table: len(r) for table, r in p.rows.items() if r}
    return Extracted(p.source, p.mode, holding, counts, p.left_out, p.resumed)
