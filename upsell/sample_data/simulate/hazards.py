"""The hazards: each account's chance this month to expand, churn or buy an add-on, computed
at the previous month end. They are the ground truth: an account near its seat or feature
limits, growing and happy expands more; an unhappy, under-used one churns more."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from upsell.sample_data import catalog as cat
from upsell.sample_data.simulate.accounts import Accounts
from upsell.sample_data.simulate.campaigns import P_OFFER, running
from upsell.sample_data.simulate.common import Month, Rows, sigmoid

if TYPE_CHECKING:  # subscriptions.py needs Hazards at import time
    from upsell.sample_data.simulate.subscriptions import Book


@dataclass(frozen=True)
class Hazards:
    expand: np.ndarray
    churn: np.ndarray
    addon: np.ndarray

    @classmethod
    def none(cls, n: int) -> Hazards:
        return cls(np.zeros(n), np.zeros(n), np.zeros(n))


def next_hazards(acc: Accounts, book: Book, n_addon_orders: np.ndarray) -> Hazards:
    """Next month's hazards from the state at this month's end."""
    util = acc.users / np.maximum(1, book.seats + book.live_x * book.seats_x)
    pressure = acc.intensity / cat.TIER_CAPACITY[book.tier - 1]
    expand = sigmoid(
        -5.3
        + 4.5 * np.clip(util - 0.7, -0.5, 0.6)
        + 2.6 * np.clip(pressure - 0.8, -0.5, 1.0)
        + 0.75 * acc.health
        + np.array([0.0, 0.3, 0.55])[acc.seg]
        + 10.0 * np.clip(acc.growth, -0.05, 0.1)
    )
    churn = sigmoid(
        -4.7
        - 0.7 * acc.health
        + 3.0 * np.clip(0.55 - util, 0, 0.5)
        + np.array([0.3, 0.0, -0.6])[acc.seg]
    )
    addon = sigmoid(
        -5.0 + 0.7 * acc.health + 1.2 * (n_addon_orders > 0) + 1.2 * np.clip(pressure - 1, 0, 1)
    )
    return Hazards(expand, churn, addon)


def record_truth(
    month: Month,
    hazards: Hazards,
    campaigns: pd.DataFrame,
    mrr: np.ndarray,
    end_s: int,
    truth: Rows,
) -> None:
    """The true chance that a paying account expands within 90 days of the month end (three
    months of the hazards as they stand), for months that end by the end date."""
    nxt_active = running(campaigns, month.m + 1)
    p_offer_conv = P_OFFER * (nxt_active.true_conversion_rate.mean() if len(nxt_active) else 0)
    month_end_s = month.start + month.length - 1
    if month_end_s <= end_s:
        idx = np.flatnonzero(mrr > 0)
        stay = (1 - hazards.expand) * (1 - hazards.addon) * (1 - p_offer_conv)
        truth.add(acc=idx, m=np.int16(month.m), p=(1 - stay**3)[idx])
