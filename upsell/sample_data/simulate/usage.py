"""Product usage: one row per account-month in use, expanded into days by the delivery SQL
(``USAGE_SQL``)."""

from __future__ import annotations

import numpy as np

from upsell.sample_data.simulate.accounts import Accounts
from upsell.sample_data.simulate.common import Month, Rows
from upsell.sample_data.simulate.subscriptions import Change


def record_usage(
    month: Month,
    acc: Accounts,
    in_use: np.ndarray,
    new: np.ndarray,
    change: Change,
    users_month_start: np.ndarray,
    usage: Rows,
) -> None:
    """Users move from the month's start to its end; a new customer's usage starts when it
    pays, a churned one's ends when it cancels."""
    idx = np.flatnonzero(in_use)
    limit_hits_day = 3.0 * np.clip(change.pressure - 0.6, 0, None) * acc.users / 10 + 0.02
    usage.add(
        acc=idx,
        month=np.int16(month.m),
        first=np.where(new, acc.pay_s, month.start)[idx],
        last=np.where(change.churn, change.act_ts, month.start + month.length - 1)[idx],
        u0=np.where(new, acc.users, users_month_start)[idx].astype(np.float32),
        u1=acc.users[idx].astype(np.float32),
        hits=limit_hits_day[idx].astype(np.float32),
        intensity=acc.intensity[idx].astype(np.float32),
    )
