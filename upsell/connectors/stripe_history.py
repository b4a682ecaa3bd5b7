"""The subscription events of the contract from what Stripe shows of a subscription.

Stripe keeps no history of a subscription: the object holds its current state, and its event
list reaches back 30 days only. The history is rebuilt from what stays: each invoice line of a
subscription item states the price, seats and discount billed from its period's start (a
proration line marks a change within a period), and a subscription as listed or as an event
carries states its invoices do not show yet (an end, a change billed later). These
observations, in time order, against the last state delivered (kept in the connector's state),
give a contract event each time the state changes.

One contract subscription is one Stripe subscription item (``si_...``): an item has one price
and one quantity, as a contract subscription has one plan and a number of seats.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from upsell.connectors.stripe_map import get, ts

LIVE = {"active", "past_due"}  # billed: counts in MRR
NOT_YET = {"trialing", "incomplete"}  # no MRR before the first paid period


@dataclass(frozen=True)
class Seen:
    at: int  # when the state starts (unix seconds)
    item: str
    subscription: str
    customer: str
    plan: str | None  # None: the item has ended
    quantity: int | None = None
    discount: str | None = None  # None: the discount last known still applies
    billed_until: int | None = None  # an invoice line's period end


def from_invoice(invoice: dict, trial_ends: dict[str, int]) -> list[Seen]:
    """What each subscription line of ``invoice`` says about its item's state."""
    customer = get(invoice, "customer", str, "invoice")
    lines = get(invoice, "lines", dict, "invoice")
    seen = []
    for line in get(lines, "data", list, "invoice lines"):
        what = "invoice line"
        parent = get(line, "parent", dict, what, optional=True) or {}
        details = parent.get("subscription_item_details")
        if not details:
            continue  # a one-off invoice item: no subscription state
        item = get(details, "subscription_item", str, what)
        subscription = get(details, "subscription", str, what)
        period = get(line, "period", dict, what)
        start, end = get(period, "start", int, what), get(period, "end", int, what)
        proration = get(details, "proration", bool, what)
        if proration and get(line, "amount", int, what) <= 0:
            continue  # the credit for unused time on the old state
        if not proration and end <= trial_ends.get(subscription, 0):
            continue  # the trial's zero line: not paying yet
        price = get(line, "pricing.price_details.price", str, what)
        quantity = get(line, "quantity", int, what)
        discount = None if proration else _discount_pct(line)
        seen.append(Seen(start, item, subscription, customer, price, quantity, discount, end))
    return seen


def _discount_pct(line: dict) -> str:
    """The share of the line's subtotal its discounts took, in percent (4 decimals)."""
    subtotal = get(line, "subtotal", int, "invoice line")
    amounts = get(line, "discount_amounts", list, "invoice line", optional=True) or []
    off = sum(get(a, "amount", int, "invoice line discount") for a in amounts)
    if subtotal <= 0 or off <= 0:
        return "0"
    pct = (Decimal(off) * 100 / Decimal(subtotal)).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)
    return format(pct.normalize(), "f")


def from_subscription(sub: dict, at: int, known_items: set[str]) -> list[Seen]:
    """The state a subscription object shows at ``at``: its items while it is billed, their
    end once it is not (cancelled, also at period end, paused or unpaid)."""
    what = "subscription"
    sid = get(sub, "id", str, what)
    customer = get(sub, "customer", str, what)
    status = get(sub, "status", str, what)
    items = get(get(sub, "items", dict, what), "data", list, "subscription items")
    if status in NOT_YET:
        return []
    if status not in LIVE:
        ended = get(sub, "ended_at", int, what, optional=True)
        ended = ended or get(sub, "canceled_at", int, what, optional=True) or at
        ids = {get(i, "id", str, "subscription item") for i in items} | known_items
        return [Seen(ended, i, sid, customer, None) for i in sorted(ids)]
    seen = []
    for item in items:
        iid = get(item, "id", str, "subscription item")
        price = get(item, "price.id", str, "subscription item")
        seen.append(Seen(at, iid, sid, customer, price, get(item, "quantity", int, what)))
    current = {s.item for s in seen}
    seen += [Seen(at, i, sid, customer, None) for i in sorted(known_items - current)]
    return seen


def removed_items(billed: list[Seen], sub: dict, at: int, known: set[str]) -> list[Seen]:
    """The end of each item a live subscription was billed for but no longer has, at the end
    of its last billed period, at the latest at ``at`` (items the state knows end when a
    snapshot shows them gone)."""
    if sub["status"] not in LIVE:
        return []
    gone = {s.item for s in billed if s.subscription == sub["id"]}
    gone -= {i["id"] for i in sub["items"]["data"]} | known
    ends: dict[str, Seen] = {}
    for s in billed:
        if s.item in gone and (s.item not in ends or ends[s.item].billed_until < s.billed_until):
            ends[s.item] = s
    return [
        Seen(min(s.billed_until, at), s.item, s.subscription, s.customer, None)
        for s in ends.values()
    ]


def events(seen: list[Seen], items: dict[str, dict], account_of: dict[str, str]) -> list[dict]:
    """Contract events for each change of state in ``seen``; ``items`` (item -> last state
    delivered) is brought up to date."""
    rows = []
    for s in sorted(seen, key=lambda s: (s.at, s.plan is None, s.item)):
        last = items.get(s.item)
        if s.plan is None:
            if last and last["live"]:
                rows.append(_row(s, "cancelled", last, account_of))
                items[s.item] = {**last, "live": False, "at": s.at}
            continue
        discount = s.discount if s.discount is not None else (last or {}).get("discount", "0")
        state = {"plan": s.plan, "quantity": s.quantity, "discount": discount, "live": True}
        kind = _change(last, state)
        if kind:
            rows.append(_row(s, kind, state, account_of))
            items[s.item] = {**state, "subscription": s.subscription, "at": s.at}
    return rows


def _change(last: dict | None, state: dict) -> str | None:
    if last is None:
        return "created"
    if not last["live"]:
        return "reactivated"
    for field, kind in (
        ("plan", "plan_changed"),
        ("quantity", "quantity_changed"),
        ("discount", "discount_changed"),
    ):
        if last[field] != state[field]:
            return kind
    return None


def _row(s: Seen, kind: str, state: dict, account_of: dict[str, str]) -> dict:
    return {
        "event_id": f"{s.item}@{s.at}:{kind}",
        "subscription_id": s.item,
        "account_id": account_of.get(s.customer, s.customer),
        "event_type": kind,
        "effective_at": ts(s.at),
        "plan_id": state["plan"],
        "quantity": state["quantity"],
        "discount_pct": state["discount"],
        "recorded_at": ts(s.at),
    }
