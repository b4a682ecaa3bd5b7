"""The subscription system's tables: plans, subscription events and invoices."""

from __future__ import annotations

import numpy as np
import pandas as pd

from upsell.sample_data import catalog as cat
from upsell.sample_data.simulate import DAY, LATE_EVENT_SHARE
from upsell.sample_data.tables.versions import versions


def sub_plans(start: int) -> pd.DataFrame:
    return pd.DataFrame(cat.plans()).assign(_arrival=start)


def sub_subscription_events(
    rng: np.random.Generator, events: pd.DataFrame, cur: np.ndarray, end_s: int
) -> pd.DataFrame:
    """Most events are recorded within the hour, a few weeks late."""
    ev = events.sort_values(["eff", "acc", "kind", "etype"], kind="stable")
    ev = ev[ev.eff <= end_s].reset_index(drop=True)
    lag = rng.exponential(1800, len(ev)).astype(np.int64) + 60
    late = rng.integers(15 * DAY, 75 * DAY, len(ev))
    is_late = (rng.random(len(ev)) < LATE_EVENT_SHARE) & (ev.eff + late <= end_s)
    recorded = np.minimum(ev.eff + np.where(is_late, late, lag), end_s)
    return ev.assign(
        event=np.arange(len(ev)),
        plan=cat.plan_index(ev.tier, ev.annual, cur[ev.acc]),
        recorded=recorded,
        _arrival=recorded,
    )


def sub_invoices(
    rng: np.random.Generator, inv: pd.DataFrame, cur: np.ndarray, end_s: int
) -> pd.DataFrame:
    """Open when issued; later paid, or void or uncollectible a month after falling due."""
    inv = inv[inv.issued <= end_s].reset_index(drop=True)
    inv = inv.assign(
        invoice=np.arange(len(inv)),
        cur=cur[inv.acc],
        due=inv.issued + np.where(inv.annual, 30, 14) * DAY,
    )
    u = rng.random(len(inv))
    paid = inv.issued + rng.integers(3600, 20 * DAY, len(inv))
    final = np.where(u < 0.015, 2, np.where(u < 0.03, 3, 0))  # void, uncollectible, paid
    settled = np.where(final == 0, paid, inv.due + 30 * DAY)
    i1 = inv.assign(status=1, paid_at=-1, _arrival=inv.issued)
    i2 = inv.assign(status=final, paid_at=np.where(final == 0, paid, -1), _arrival=settled)
    return versions(i1, i2, end_s)
