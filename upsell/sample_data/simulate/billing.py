"""Month-end billing: the recurring revenue of every account and the invoices issued on the
first of the month."""

from __future__ import annotations

import numpy as np

from upsell.sample_data import catalog as cat
from upsell.sample_data.simulate.accounts import Accounts
from upsell.sample_data.simulate.common import Month, Rows
from upsell.sample_data.simulate.subscriptions import Book


def monthly_mrr(acc: Accounts, book: Book, seat_mrr: np.ndarray) -> np.ndarray:
    mrr = (
        book.live
        * book.seats
        * seat_mrr[cat.plan_index(book.tier, book.annual, acc.cur)]
        * (1 - book.disc / 100)
    )
    mrr += book.live_x * book.seats_x * seat_mrr[cat.plan_index(book.tier_x, 0, acc.cur)]
    return mrr


def issue_invoices(
    month: Month,
    acc: Accounts,
    book: Book,
    seat_mrr: np.ndarray,
    term_start: np.ndarray,
    invoices: Rows,
) -> None:
    """Invoices of every live subscription without a full credit; an annual plan is billed
    twelve months at once, when its term starts (``term_start``)."""
    n = month.n
    issue = month.start + month.rng.integers(0, 3 * 3600, n)
    billed_main = book.live & (book.disc < 100) & (~book.annual | term_start)
    for kind, mask, t, a, d in (
        (0, billed_main, book.tier, book.annual, book.disc),
        (1, book.live_x, book.tier_x, np.zeros(n, bool), np.zeros(n)),
    ):
        idx = np.flatnonzero(mask)
        price = book.seats_x if kind else book.seats
        amount = price * seat_mrr[cat.plan_index(t, a, acc.cur)] * (1 - d / 100)
        amount *= np.where(a, 12, 1)
        invoices.add(
            acc=idx,
            kind=np.int8(kind),
            issued=np.maximum(issue, acc.pay_s)[idx],
            amount=np.round(amount[idx], 2),
            annual=a[idx],
        )
