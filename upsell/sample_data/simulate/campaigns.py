"""Upsell campaigns: A/B(/C) variants over the history, the offers sent each month and
whether they convert."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from upsell.sample_data import catalog as cat
from upsell.sample_data.simulate.common import DAY, Month, Rows

P_OFFER = 0.05  # monthly chance that a paying account receives a campaign offer


def draw_campaigns(rng: np.random.Generator, months: int) -> pd.DataFrame:
    """A/B(/C) campaigns spread over the history; some variants truly convert better."""
    rows = []
    n_campaigns = max(3, months // 3)
    for k in range(n_campaigns):
        start = int(k * months / n_campaigns)
        variants = ("A", "B", "C") if k % 3 == 2 else ("A", "B")
        base = rng.uniform(0.06, 0.14)
        effects = rng.choice([1.0, 1.6, 0.7, 1.3], size=len(variants))
        effects[0] = 1.0
        # One campaign has a broken splitter (sample-ratio mismatch), as happens in practice.
        alloc = np.full(len(variants), 1 / len(variants))
        if k == 1:
            alloc = np.array([0.58, 0.42])
        for v, name in enumerate(variants):
            rows.append(
                {
                    "campaign": k,
                    "campaign_id": f"CMP-{k + 1:03d}",
                    "variant": name,
                    "variant_idx": v,
                    "offer_type": k % 3,
                    "addon_product": int(cat.ADDON_IDS[k % len(cat.ADDON_IDS)]),
                    "start_m": start,
                    "end_m": min(months, start + 4 + k % 3),
                    "true_conversion_rate": round(float(base * effects[v]), 4),
                    "allocation_share": float(alloc[v]),
                }
            )
    return pd.DataFrame(rows)


def running(campaigns: pd.DataFrame, m: int) -> pd.DataFrame:
    """The variants of the campaigns that run in month ``m``."""
    return campaigns[(campaigns.start_m <= m) & (campaigns.end_m > m)]


@dataclass
class Offers:
    """The month's offers per account: sent or not, converted or not, when and of what kind
    (-1: no offer)."""

    offered: np.ndarray
    converted: np.ndarray
    conv_ts: np.ndarray
    kind: np.ndarray
    addon: np.ndarray


def send_offers(
    month: Month,
    campaigns: pd.DataFrame,
    customer_start: np.ndarray,
    tier: np.ndarray,
    annual: np.ndarray,
    cur: np.ndarray,
    offers: Rows,
) -> Offers:
    rng, n = month.rng, month.n
    none = Offers(
        offered=np.zeros(n, bool),
        converted=np.zeros(n, bool),
        conv_ts=np.zeros(n, np.int64),
        kind=np.full(n, -1),
        addon=np.full(n, -1),
    )
    active = running(campaigns, month.m)
    if not len(active):
        return none
    ids = active.campaign.unique()
    chosen = ids[rng.integers(0, len(ids), n)]
    offered = customer_start & (rng.random(n) < P_OFFER)
    kind_of = campaigns.groupby("campaign").offer_type.first().to_numpy()[chosen]
    offered &= ~((kind_of == 0) & (tier >= 4))  # no upgrade offer past the top tier
    variant, rate = _assign_variants(campaigns, ids, chosen, rng.random(n))
    converted = offered & (rng.random(n) < rate)
    sent = month.at(0, 15)
    conv_ts = sent + rng.integers(DAY, 13 * DAY, n)
    offer_kind = np.where(offered, kind_of, -1)
    offer_addon = campaigns.groupby("campaign").addon_product.first().to_numpy()[chosen]
    idx = np.flatnonzero(offered)
    offers.add(
        acc=idx,
        campaign=chosen[idx],
        variant=variant[idx],
        offer_type=kind_of[idx],
        item_plan=cat.plan_index(np.minimum(tier + (kind_of == 0), 4), annual, cur)[idx],
        item_product=offer_addon[idx],
        channel=rng.integers(0, 3, idx.size),
        sent=sent[idx],
    )
    return Offers(offered, converted, conv_ts, offer_kind, offer_addon)


def _assign_variants(
    campaigns: pd.DataFrame, ids: np.ndarray, chosen: np.ndarray, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each account's variant of its chosen campaign, split by the allocation shares, and that
    variant's true conversion rate."""
    n = chosen.size
    rate = np.zeros(n)
    variant = np.zeros(n, np.int64)
    for c in ids:
        rows = campaigns[campaigns.campaign == c]
        cum = rows.allocation_share.cumsum().to_numpy()
        sel = chosen == c
        v = np.minimum((u[sel, None] > cum).sum(1), len(cum) - 1)
        variant[sel] = rows.variant_idx.to_numpy()[v]
        rate[sel] = rows.true_conversion_rate.to_numpy()[v]
    return variant, rate
