"""The CRM's life of customers (never dated before they became one): support tickets, survey
responses (the voice of the customer, driven by health) and sales activities."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from upsell.sample_data.simulate.accounts import Accounts
from upsell.sample_data.simulate.common import DAY, Month, Rows


@dataclass
class Crm:
    tickets: Rows = field(default_factory=lambda: Rows("acc opened unhappy"))
    surveys: Rows = field(default_factory=lambda: Rows("acc ts health nps"))
    activities: Rows = field(default_factory=lambda: Rows("acc ts"))


def record_crm(
    month: Month, acc: Accounts, crm: Crm, in_use: np.ndarray, offered: np.ndarray
) -> None:
    rng, n = month.rng, month.n
    customers = np.flatnonzero(in_use)
    k_tickets = rng.poisson(0.12 * (1 + acc.seg) * np.exp(-0.5 * acc.health))[customers]
    idx = np.repeat(customers, k_tickets)
    crm.tickets.add(
        acc=idx,
        opened=np.maximum(month.at(0, 28), acc.pay_s)[idx] + rng.integers(0, DAY, idx.size),
        unhappy=np.float32(-acc.health[idx] + rng.normal(0, 1, idx.size)),
    )
    k_surveys = (rng.random(n) < 0.09)[customers] + (rng.random(n) < 0.05)[customers]
    idx = np.repeat(customers, k_surveys)
    crm.surveys.add(
        acc=idx,
        ts=np.maximum(month.at(0, 28), acc.pay_s)[idx],
        health=np.float32(acc.health[idx]),
        nps=rng.random(idx.size) < 0.6,
    )
    k_acts = rng.poisson(0.35 + 0.3 * acc.seg + 0.8 * offered)[customers]
    idx = np.repeat(customers, k_acts)
    crm.activities.add(
        acc=idx,
        ts=np.maximum(month.at(0, 28), acc.pay_s)[idx] + rng.integers(0, DAY, idx.size),
    )
