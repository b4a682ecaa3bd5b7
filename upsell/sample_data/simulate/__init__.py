"""Month-by-month simulation of a B2B SaaS company's customers, vectorised over accounts.

The loop runs once per month (24 iterations by default), never once per row. Each month it
moves every account's latent state (users, feature need, health), draws what happens from
hazards computed at the previous month end (``hazards.py``), and appends the resulting rows to
buffers. Every step draws from one random generator, so the steps run in a fixed order: the
same seed gives the same company.

Output rows carry integer codes and epoch seconds; ``upsell.sample_data.tables`` turns them
into the contract's strings with DuckDB. Every row also carries ``_arrival``: when the source
system exported it, which decides the delivery it lands in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from upsell.sample_data import catalog as cat
from upsell.sample_data.simulate.accounts import Accounts, accounts_frame, draw_accounts, drift
from upsell.sample_data.simulate.billing import issue_invoices, monthly_mrr
from upsell.sample_data.simulate.campaigns import draw_campaigns, send_offers
from upsell.sample_data.simulate.common import DAY, LATE_EVENT_SHARE, Month, Rows
from upsell.sample_data.simulate.crm import Crm, record_crm
from upsell.sample_data.simulate.fx import draw_fx
from upsell.sample_data.simulate.hazards import Hazards, next_hazards, record_truth
from upsell.sample_data.simulate.shop import Shop, place_orders
from upsell.sample_data.simulate.subscriptions import (
    Book,
    draw_change,
    expand,
    lift_discounts,
    shrink_and_churn,
    start_new,
    win_back,
    wobble,
)
from upsell.sample_data.simulate.usage import record_usage

__all__ = ["DAY", "LATE_EVENT_SHARE", "Options", "Simulation", "simulate"]


@dataclass(frozen=True)
class Options:
    accounts: int = 5000
    months: int = 24
    seed: int = 7
    end_date: date = date(2026, 10, 31)
    deliveries: int = 0
    reporting_currency: str = "EUR"


@dataclass
class Simulation:
    tables: dict[str, pd.DataFrame]
    truth_expansion: pd.DataFrame
    truth_campaigns: pd.DataFrame
    fx: pd.DataFrame
    month_start_s: np.ndarray
    end_s: int


@dataclass
class _History:
    """Everything the months record, besides the subscription events and the orders."""

    book: Book
    shop: Shop
    crm: Crm
    invoices: Rows
    usage: Rows
    offers: Rows
    opps: Rows
    truth: Rows

    @classmethod
    def empty(cls, n: int) -> _History:
        return cls(
            book=Book(n),
            shop=Shop(n),
            crm=Crm(),
            invoices=Rows("acc kind issued amount annual"),
            usage=Rows("acc month first last u0 u1 hits intensity"),
            offers=Rows("acc campaign variant offer_type item_plan item_product channel sent"),
            opps=Rows("acc otype stage created closed amount"),
            truth=Rows("acc m p"),
        )

    def frames(self) -> dict[str, pd.DataFrame]:
        return dict(
            events=self.book.events.frame(),
            invoices=self.invoices.frame(),
            usage=self.usage.frame(),
            orders=self.shop.orders.frame(),
            offers=self.offers.frame(),
            opps=self.opps.frame(),
            tickets=self.crm.tickets.frame(),
            surveys=self.crm.surveys.frame(),
            activities=self.crm.activities.frame(),
        )


def simulate(opts: Options) -> Simulation:
    rng = np.random.default_rng(opts.seed)
    n, n_months = opts.accounts, opts.months
    end = np.datetime64(opts.end_date, "D")
    month0 = end.astype("datetime64[M]") - (n_months - 1)
    bounds = (month0 + np.arange(n_months + 1)).astype("datetime64[D]")
    ms_all = bounds.astype("datetime64[s]").astype(np.int64)
    end_s = int((end + 1).astype("datetime64[s]").astype(np.int64)) - 1

    acc = draw_accounts(rng, n, n_months, ms_all, end_s)
    campaigns = draw_campaigns(rng, n_months)
    history = _History.empty(n)
    hazards = Hazards.none(n)
    mlen = np.diff(ms_all)
    for m in range(n_months):
        month = Month(rng, n, m, ms_all[m], mlen[m])
        hazards = _live_month(month, acc, campaigns, history, hazards, end_s)

    tables = history.frames() | {"accounts": accounts_frame(rng, acc)}
    fx, currencies = draw_fx(rng, bounds[0], end, opts.reporting_currency)
    return Simulation(
        tables=tables,
        truth_expansion=history.truth.frame(),
        truth_campaigns=campaigns,
        fx=fx.assign(currency=np.asarray(currencies)[fx.currency]),
        month_start_s=ms_all,
        end_s=end_s,
    )


def _live_month(
    month: Month,
    acc: Accounts,
    campaigns: pd.DataFrame,
    history: _History,
    hazards: Hazards,
    end_s: int,
) -> Hazards:
    """One month of every account; returns next month's hazards. The steps share one random
    generator: their order is part of the output."""
    book, seat_mrr = history.book, cat.plan_mrr_per_seat()
    live_start = book.live | book.live_x  # a customer at the start of the month
    customer_start = book.live.copy()
    new = start_new(month, acc, book)
    users_month_start = drift(month.rng, acc, customer_start)
    lift_discounts(month, book, customer_start)
    offers = send_offers(
        month, campaigns, customer_start, book.tier, book.annual, acc.cur, history.offers
    )
    change = draw_change(month, acc, book, hazards, offers, customer_start)
    extra = expand(month, acc, book, change, offers, history.opps, seat_mrr)
    shrink_and_churn(month, acc, book, change, extra)
    wobble(month, book, change)
    back = win_back(month, acc, book, live_start, new)
    place_orders(month, acc, history.shop, book.live, customer_start, new, offers, hazards.addon)

    # Month end: MRR, invoices, usage, CRM life, next month's hazards, truth.
    mrr = monthly_mrr(acc, book, seat_mrr)
    issue_invoices(month, acc, book, seat_mrr, change.anniversary | new | back, history.invoices)
    in_use = live_start | book.live
    record_usage(month, acc, in_use, new, change, users_month_start, history.usage)
    record_crm(month, acc, history.crm, in_use, offers.offered)
    hazards = next_hazards(acc, book, history.shop.n_addon_orders)
    record_truth(month, hazards, campaigns, mrr, end_s, history.truth)
    return hazards
