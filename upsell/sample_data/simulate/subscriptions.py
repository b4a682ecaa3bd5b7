"""The subscriptions of each account (a main one, and one optional extra subscription for
another team) and the month's changes to them, each recorded as a subscription event."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from upsell.sample_data import catalog as cat
from upsell.sample_data.simulate.accounts import Accounts
from upsell.sample_data.simulate.campaigns import Offers
from upsell.sample_data.simulate.common import DAY, EVENT, Month, Rows
from upsell.sample_data.simulate.hazards import Hazards


@dataclass
class Book:
    """The state of every account's subscriptions; ``_x`` is the extra subscription."""

    n: int
    events: Rows = field(default_factory=lambda: Rows("acc kind etype eff tier annual seats disc"))

    def __post_init__(self) -> None:
        n = self.n
        self.live = np.zeros(n, bool)
        self.live_x = np.zeros(n, bool)
        self.had_x = np.zeros(n, bool)
        self.ever_paid = np.zeros(n, bool)
        self.tier = np.ones(n, np.int64)
        self.annual = np.zeros(n, bool)
        self.seats = np.ones(n, np.int64)
        self.disc = np.zeros(n, np.int64)
        self.saved_disc = np.zeros(n, np.int64)  # discount to restore after a 100 % service credit
        self.disc_end_m = np.full(n, -1)
        self.anniv_m = np.zeros(n, np.int64)
        self.tier_x = np.ones(n, np.int64)
        self.seats_x = np.ones(n, np.int64)

    def emit(self, mask, kind, etype, ts, t=None, a=None, s=None, d=None) -> None:
        """Record an event for the accounts in ``mask``, with the subscription's current plan,
        seats and discount unless given."""
        n = self.n
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return

        def pick(v, default):
            return (default if v is None else np.broadcast_to(v, n))[idx]

        self.events.add(
            acc=idx,
            kind=np.int8(kind),
            etype=np.int8(etype),
            eff=np.broadcast_to(ts, n)[idx],
            tier=pick(t, self.tier_x if kind else self.tier),
            annual=pick(a, np.zeros(n, bool) if kind else self.annual),
            seats=pick(s, self.seats_x if kind else self.seats),
            disc=pick(d, np.zeros(n, np.int64) if kind else self.disc),
        )


@dataclass
class Change:
    """The month's main change to the main subscription, drawn from last month's hazards."""

    eligible: np.ndarray
    util: np.ndarray  # users per seat, before the change
    pressure: np.ndarray  # usage intensity against the plan's capacity, before the change
    anniversary: np.ndarray
    conv_sub: np.ndarray  # converted offers of an upgrade or more seats
    churn: np.ndarray
    organic: np.ndarray  # expansions of the account's own accord
    contract: np.ndarray
    credit: np.ndarray
    act_ts: np.ndarray


def start_new(month: Month, acc: Accounts, book: Book) -> np.ndarray:
    """New paying customers: their plan, seats and discount."""
    m, n = month.m, month.n
    new = acc.payer & (acc.start_m == m)
    book.live |= new
    book.ever_paid |= new
    book.tier = np.where(new, acc.tier_pick, book.tier)
    book.annual = np.where(new, acc.annual_pick, book.annual)
    seats = np.maximum(1, np.ceil(acc.users * month.rng.uniform(1.0, 1.4, n)))
    book.seats = np.where(new, seats, book.seats)
    book.disc = np.where(new, acc.disc_pick, book.disc)
    book.disc_end_m = np.where(new & (acc.disc_pick > 0), m + acc.disc_len, book.disc_end_m)
    book.anniv_m = np.where(new, m, book.anniv_m)
    book.emit(new, 0, EVENT["created"], acc.pay_s)
    return new


def lift_discounts(month: Month, book: Book, customer_start: np.ndarray) -> None:
    """Day one: discounts that end and service credits that are lifted."""
    credit_end = customer_start & (book.disc == 100)
    book.disc = np.where(credit_end, book.saved_disc, book.disc)
    disc_ends = customer_start & (book.disc_end_m == month.m) & (book.disc > 0)
    book.disc = np.where(disc_ends, 0, book.disc)
    ts = month.start + month.rng.integers(0, 6 * 3600, month.n)
    book.emit(credit_end | disc_ends, 0, EVENT["discount_changed"], ts)


def draw_change(
    month: Month,
    acc: Accounts,
    book: Book,
    hazards: Hazards,
    offers: Offers,
    customer_start: np.ndarray,
) -> Change:
    """Who churns, expands on its own, contracts or gets a service credit this month (at most
    one of them; an account whose offer of an upgrade or seats converted does none)."""
    rng, n, m = month.rng, month.n, month.m
    eligible = customer_start & book.live & (book.disc < 100)
    util = acc.users / (book.seats + book.live_x * book.seats_x)
    pressure = acc.intensity / cat.TIER_CAPACITY[book.tier - 1]
    anniversary = (m - book.anniv_m) % 12 == 0
    h_churn = hazards.churn
    churn_p = np.where(book.annual, np.where(anniversary, np.minimum(1, h_churn * 9), 0), h_churn)
    conv_sub = offers.converted & (offers.kind <= 1)
    churn = eligible & ~conv_sub & (rng.random(n) < churn_p)
    organic = eligible & ~conv_sub & ~churn & (rng.random(n) < hazards.expand)
    contract = eligible & ~conv_sub & ~churn & ~organic & (util < 0.65) & (rng.random(n) < 0.07)
    credit = eligible & ~conv_sub & ~churn & ~organic & ~contract & (rng.random(n) < 0.002)
    act_ts = np.where(conv_sub, offers.conv_ts, month.at(1, 28))
    return Change(
        eligible, util, pressure, anniversary, conv_sub, churn, organic, contract, credit, act_ts
    )


def expand(
    month: Month,
    acc: Accounts,
    book: Book,
    change: Change,
    offers: Offers,
    opps: Rows,
    seat_mrr: np.ndarray,
) -> np.ndarray:
    """Upgrade when the plan's limits bite, seats when full, else an extra subscription for
    another team; returns who got the extra subscription."""
    rng, n = month.rng, month.n
    organic, conv_sub, act_ts = change.organic, change.conv_sub, change.act_ts
    util, pressure = change.util, change.pressure
    upgrade = (organic & (book.tier < 4) & (pressure > 0.9) & (pressure - 0.9 > util - 0.9)) | (
        conv_sub & (offers.kind == 0)
    )
    add_seats = (organic & ~upgrade & ((util > 0.85) | book.had_x)) | (
        conv_sub & (offers.kind == 1)
    )
    extra = organic & ~upgrade & ~add_seats
    book.tier = np.where(upgrade, book.tier + 1, book.tier)
    more = np.maximum(book.seats + 1, np.ceil(acc.users * rng.uniform(1.1, 1.4, n)))
    book.seats = np.where(add_seats, more, book.seats)
    book.emit(upgrade, 0, EVENT["plan_changed"], act_ts)
    book.emit(add_seats, 0, EVENT["quantity_changed"], act_ts)
    book.live_x |= extra
    book.had_x |= extra  # one extra subscription per account, never re-created
    book.tier_x = np.where(extra, book.tier, book.tier_x)
    seats_x = np.maximum(1, np.round(book.seats * rng.uniform(0.2, 0.5, n)))
    book.seats_x = np.where(extra, seats_x, book.seats_x)
    book.emit(extra, 1, EVENT["created"], act_ts)
    # Sales works some expansions as opportunities, opened weeks before they close.
    won = (upgrade | add_seats | extra) & (rng.random(n) < 0.4)
    idx = np.flatnonzero(won)
    opened = act_ts - rng.integers(10 * DAY, 45 * DAY, n)
    plan = cat.plan_index(book.tier, book.annual, acc.cur)
    opps.add(
        acc=idx,
        otype=np.where(extra, 2, 1)[idx],
        stage=np.int8(1),
        created=np.maximum(opened, acc.signup_s)[idx],
        closed=act_ts[idx],
        amount=(12 * book.seats * seat_mrr[plan] * 0.2)[idx],
    )
    return extra


def shrink_and_churn(
    month: Month, acc: Accounts, book: Book, change: Change, extra: np.ndarray
) -> None:
    """Downgrades and fewer seats, service credits, cancellations."""
    act_ts = change.act_ts
    new_seats = np.maximum(1, np.ceil(acc.users * 1.15))
    downgrade = change.contract & (change.pressure < 0.35) & (book.tier > 1)
    fewer = change.contract & ~downgrade & (new_seats < book.seats)
    book.tier = np.where(downgrade, book.tier - 1, book.tier)
    book.seats = np.where(fewer, new_seats, book.seats)
    book.emit(downgrade, 0, EVENT["plan_changed"], act_ts)
    book.emit(fewer, 0, EVENT["quantity_changed"], act_ts)

    book.saved_disc = np.where(change.credit, book.disc, book.saved_disc)
    book.disc = np.where(change.credit, 100, book.disc)
    book.emit(change.credit, 0, EVENT["discount_changed"], act_ts)

    churn = change.churn
    book.emit(churn, 0, EVENT["cancelled"], act_ts)
    book.emit(churn & book.live_x, 1, EVENT["cancelled"], act_ts)
    book.live &= ~churn
    book.live_x &= ~churn
    drop_x = book.live_x & ~extra & (month.rng.random(month.n) < 0.015)  # not the one just created
    book.emit(drop_x, 1, EVENT["cancelled"], month.at(1, 28))
    book.live_x &= ~drop_x


def wobble(month: Month, book: Book, change: Change) -> None:
    """A seat added and removed again inside the month: nets out in a month-end snapshot."""
    rng, n = month.rng, month.n
    c = change
    quiet = c.eligible & ~c.conv_sub & ~c.churn & ~c.organic & ~c.contract & ~c.credit
    quiet &= rng.random(n) < 0.005
    t1 = month.at(1, 14)
    book.emit(quiet, 0, EVENT["quantity_changed"], t1, s=book.seats + 2)
    book.emit(quiet, 0, EVENT["quantity_changed"], t1 + rng.integers(DAY, 13 * DAY, n))


def win_back(
    month: Month, acc: Accounts, book: Book, live_start: np.ndarray, new: np.ndarray
) -> np.ndarray:
    """Churned customers who come back."""
    back = book.ever_paid & ~live_start & ~book.live & ~new & (month.rng.random(month.n) < 0.02)
    book.seats = np.where(back, np.maximum(1, np.ceil(acc.users * 1.1)), book.seats)
    book.disc = np.where(back, 0, book.disc)
    book.disc_end_m = np.where(back, -1, book.disc_end_m)
    book.anniv_m = np.where(back, month.m, book.anniv_m)
    book.live |= back
    book.emit(back, 0, EVENT["reactivated"], month.at(1, 28))
    return back
