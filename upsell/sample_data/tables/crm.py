"""The CRM's tables: accounts, contacts, opportunities, activities and upsell offers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from upsell.sample_data import catalog as cat
from upsell.sample_data.simulate import DAY
from upsell.sample_data.tables.versions import versions


def crm_accounts(rng: np.random.Generator, acc: pd.DataFrame, end_s: int) -> pd.DataFrame:
    """Created at sign-up; some re-sent later with a new head count, some re-sent unchanged
    with a newer updated_at (exporters do that)."""
    n = len(acc)
    base = acc.assign(updated=acc.signup, _arrival=acc.signup)
    later = acc.signup + rng.integers(20 * DAY, 500 * DAY, n)
    changed = rng.random(n) < 0.2
    touched = rng.random(n) < 0.03
    v2 = acc.assign(
        employees=np.where(
            changed,
            np.maximum(1, np.round(acc.employees * rng.uniform(0.8, 1.5, n))),
            acc.employees,
        ),
        updated=later,
        _arrival=later,
    )[changed | touched]
    return versions(base, v2, end_s)


class Contacts:
    """The contacts of every account: a primary one at sign-up, more for larger segments; some
    change job title later."""

    def __init__(self, rng: np.random.Generator, acc: pd.DataFrame, end_s: int) -> None:
        self._rng = rng
        n = len(acc)
        k = 1 + rng.poisson(np.array([0.4, 1.8, 4.0])[acc.seg])
        c_acc = np.repeat(np.arange(n), k)
        first_of = np.r_[0, np.cumsum(k)[:-1]]
        primary = np.zeros(len(c_acc), bool)
        primary[first_of] = True
        created = acc.signup.to_numpy()[c_acc] + np.where(
            primary, 0, rng.integers(0, 120 * DAY, len(c_acc))
        )
        contacts = pd.DataFrame(
            {
                "contact": np.arange(len(c_acc)),
                "acc": c_acc,
                "first": rng.integers(0, len(cat.FIRST_NAMES), len(c_acc)),
                "last": rng.integers(0, len(cat.LAST_NAMES), len(c_acc)),
                "title": rng.integers(0, len(cat.JOB_TITLES), len(c_acc)),
                "primary": primary,
                "created": created,
            }
        )
        contacts = contacts[contacts.created <= end_s]
        c1 = contacts.assign(updated=contacts.created, _arrival=contacts.created)
        moved = rng.random(len(contacts)) < 0.1
        when = contacts.created + rng.integers(30 * DAY, 400 * DAY, len(contacts))
        c2 = contacts.assign(
            title=(contacts.title + 1) % len(cat.JOB_TITLES), updated=when, _arrival=when
        )[moved]
        self.table = versions(c1, c2, end_s)
        self._count = np.bincount(contacts.acc, minlength=n)
        self._first = np.r_[0, np.cumsum(self._count)[:-1]]
        self._ids = contacts.contact.to_numpy()
        self._created = contacts.created.to_numpy()

    def some_contact(self, accounts: np.ndarray, when: np.ndarray) -> np.ndarray:
        """A contact of each account that existed at ``when`` (else the primary one)."""
        first, count = self._first[accounts], self._count[accounts]
        pick = first + (self._rng.random(accounts.size) * count).astype(int)
        pick = np.where(self._created[pick] <= when, pick, first)
        return self._ids[pick]


def crm_opportunities(
    rng: np.random.Generator, acc: pd.DataFrame, t: dict[str, pd.DataFrame], end_s: int
) -> pd.DataFrame:
    """New business at sign-up; sales-led expansions (won); lost pitches; renewals of annual
    plans. Each is open first, closed in a later version."""
    n = len(acc)
    lost_acc = np.repeat(np.arange(n), rng.poisson(0.25, n) * acc.payer.to_numpy())
    lost_open = acc.pay.to_numpy()[lost_acc] + rng.integers(30 * DAY, 600 * DAY, lost_acc.size)
    parts = [
        _new_business(rng, acc),
        t["opps"],
        _lost_pitches(rng, lost_acc, lost_open),
        _renewals(acc, t["invoices"]),
    ]
    opps = pd.concat(parts, ignore_index=True)
    cur = acc.cur.to_numpy()
    opps = opps.assign(opp=np.arange(len(opps)), cur=cur[opps.acc], amount=opps.amount.round(2))
    opps = opps[opps.created <= end_s]
    o1 = opps.assign(stage=0, closed=-1, updated=opps.created, _arrival=opps.created)
    o2 = opps.assign(updated=opps.closed, _arrival=opps.closed)
    return versions(o1, o2, end_s)


def _new_business(rng: np.random.Generator, acc: pd.DataFrame) -> pd.DataFrame:
    """One per account: won when it pays, else lost weeks after sign-up."""
    n = len(acc)
    return pd.DataFrame(
        {
            "acc": np.arange(n),
            "otype": 0,
            "stage": np.where(acc.payer, 1, 2),
            "created": acc.signup,
            "closed": np.where(
                acc.payer, acc.pay, acc.signup + rng.integers(10 * DAY, 60 * DAY, n)
            ),
            "amount": np.round(acc.employees * rng.uniform(20, 60, n), -1),
        }
    )


def _lost_pitches(
    rng: np.random.Generator, lost_acc: np.ndarray, lost_open: np.ndarray
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "acc": lost_acc,
            "otype": rng.integers(1, 3, lost_acc.size),
            "stage": 2,
            "created": lost_open,
            "closed": lost_open + rng.integers(20 * DAY, 90 * DAY, lost_acc.size),
            "amount": np.round(rng.lognormal(7, 0.8, lost_acc.size), 0),
        }
    )


def _renewals(acc: pd.DataFrame, inv: pd.DataFrame) -> pd.DataFrame:
    """A won renewal opportunity for every annual invoice after the first."""
    renewals = inv[(inv.kind == 0) & inv.annual & (inv.issued > acc.pay.to_numpy()[inv.acc])]
    return pd.DataFrame(
        {
            "acc": renewals.acc,
            "otype": 3,
            "stage": 1,
            "created": renewals.issued - 45 * DAY,
            "closed": renewals.issued,
            "amount": renewals.amount,
        }
    )


def crm_activities(
    rng: np.random.Generator, a: pd.DataFrame, contacts: Contacts, end_s: int
) -> pd.DataFrame:
    a = a.assign(
        activity=np.arange(len(a)),
        atype=rng.choice(3, len(a), p=[0.6, 0.25, 0.15]),
        contact=np.where(
            rng.random(len(a)) < 0.8, contacts.some_contact(a.acc.to_numpy(), a.ts.to_numpy()), -1
        ),
        _arrival=a.ts,
    )
    return a[a.ts <= end_s]


def crm_upsell_offers(of: pd.DataFrame, end_s: int) -> pd.DataFrame:
    of = of.assign(offer=np.arange(len(of)), _arrival=of.sent)
    return of[of.sent <= end_s]
