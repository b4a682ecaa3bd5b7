"""The accounts: who they are (segment, country, size, sign-up) and the latent drivers that
move month by month (users, usage intensity, health)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from upsell.sample_data import catalog as cat
from upsell.sample_data.simulate.common import DAY


@dataclass
class Accounts:
    n: int
    seg: np.ndarray
    country: np.ndarray
    cur: np.ndarray
    industry: np.ndarray
    employees: np.ndarray
    signup_s: np.ndarray
    pay_s: np.ndarray
    payer: np.ndarray
    start_m: np.ndarray  # the month an account starts paying
    growth: np.ndarray
    cap: np.ndarray  # the most users an account can grow to
    # Latent state, moved every month by ``drift``.
    health: np.ndarray
    intensity: np.ndarray
    users: np.ndarray
    # What an account buys when it starts paying.
    tier_pick: np.ndarray
    annual_pick: np.ndarray
    disc_pick: np.ndarray
    disc_len: np.ndarray


def draw_accounts(
    rng: np.random.Generator, n: int, n_months: int, ms_all: np.ndarray, end_s: int
) -> Accounts:
    mlen = np.diff(ms_all)
    seg = rng.choice(3, n, p=cat.SEGMENT_SHARE)
    country = rng.choice(len(cat.COUNTRIES), n, p=cat.COUNTRY_SHARE)
    cur = cat.COUNTRY_CURRENCY[country]
    industry = rng.integers(0, len(cat.INDUSTRIES), n)
    employees = np.maximum(1, np.round(cat.EMPLOYEES_MEDIAN[seg] * rng.lognormal(0, 0.7, n)))
    growth_weight = 1 + np.arange(n_months) / n_months  # the company grows: more sign-ups later
    signup_m = rng.choice(n_months, n, p=growth_weight / growth_weight.sum())
    signup_s = ms_all[signup_m] + (rng.random(n) * mlen[signup_m]).astype(np.int64)
    pay_s = signup_s + rng.integers(0, 14 * DAY, n)
    payer = (rng.random(n) < 0.85) & (pay_s <= end_s)
    start_m = np.searchsorted(ms_all, pay_s, side="right") - 1
    health = rng.normal(0, 1, n)
    growth = rng.normal(0.015, 0.035, n)
    intensity = rng.lognormal(0, 0.45, n) * cat.TIER_CAPACITY[np.minimum(seg + 1, 3)] * 0.45
    cap = np.maximum(1.0, employees * rng.uniform(0.15, 0.9, n))
    users = np.minimum(cap, np.maximum(1.0, employees * rng.uniform(0.05, 0.4, n)))
    tier_pick = (rng.random(n)[:, None] > cat.TIER_BY_SEGMENT.cumsum(1)[seg]).sum(1) + 1
    annual_pick = rng.random(n) < cat.ANNUAL_SHARE[seg]
    has_discount = rng.random(n) < 0.3
    disc_pick = np.where(has_discount, rng.choice([10, 15, 20, 25], n), 0)
    disc_len = np.where(rng.random(n) < 0.7, rng.choice([3, 6, 12], n), 10_000)
    return Accounts(
        n=n, seg=seg, country=country, cur=cur, industry=industry, employees=employees,
        signup_s=signup_s, pay_s=pay_s, payer=payer, start_m=start_m, growth=growth, cap=cap,
        health=health, intensity=intensity, users=users, tier_pick=tier_pick,
        annual_pick=annual_pick, disc_pick=disc_pick, disc_len=disc_len,
    )  # fmt: skip


def drift(rng: np.random.Generator, acc: Accounts, customer_start: np.ndarray) -> np.ndarray:
    """Move the latent drivers by a month; returns a copy of the users after the move, the
    month's starting point of the usage of those already paying."""
    n = acc.n
    acc.users = np.where(
        customer_start,
        np.clip(acc.users * np.exp(acc.growth + rng.normal(0, 0.07, n)), 1.0, acc.cap),
        acc.users,
    )
    acc.intensity *= np.exp(rng.normal(0.008, 0.02, n))
    acc.health = 0.97 * acc.health + rng.normal(0, 0.18, n)
    return acc.users.copy()


def accounts_frame(rng: np.random.Generator, acc: Accounts) -> pd.DataFrame:
    """The accounts' coded rows, with a drawn company name."""
    return pd.DataFrame(
        {
            "acc": np.arange(acc.n),
            "seg": acc.seg,
            "country": acc.country,
            "cur": acc.cur,
            "industry": acc.industry,
            "employees": acc.employees.astype(np.int64),
            "signup": acc.signup_s,
            "payer": acc.payer,
            "pay": acc.pay_s,
            "stem": rng.integers(0, len(cat.NAME_STEMS), acc.n),
            "suffix": rng.integers(0, len(cat.NAME_SUFFIXES), acc.n),
        }
    )
