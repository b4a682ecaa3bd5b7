"""Stripe objects (API version ``2026-10-28.endive``, as JSON) to contract rows.

Every field read is checked: a missing field or one of another type stops the extraction with
the object, the field and what came instead (Stripe changed a shape, or a proxy mangled it).
Fields not read here are ignored, so a field Stripe adds changes nothing. docs/connectors.md
gives the mapping field by field and the reasons.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from upsell.connectors.common import checked
from upsell.contract import enum

# Stripe amounts are in the currency's smallest unit; these currencies have none or three
# decimals (Stripe's list of zero-decimal and three-decimal currencies).
ZERO_DECIMAL = {
    *("bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"),
    *("pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"),
}
THREE_DECIMAL = {"bhd", "jod", "kwd", "omr", "tnd"}
META = "upsell_"  # metadata keys this mapping reads start with it
SEGMENTS = enum("crm_accounts", "segment")
INVOICE_STATUS = {"open", "paid", "void", "uncollectible"}  # drafts are not issued yet
MONTHS = {"month": 1, "year": 12}


def get(obj: dict, path: str, kind: type | tuple[type, ...], what: str, optional=False):
    """``obj[path]`` (dots go deeper) if it has type ``kind``; None if ``optional`` and null."""
    return checked(obj, path, kind, "Stripe", what, optional)


def ts(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def money(minor: int | str, currency: str) -> str:
    exponent = 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2
    return format(Decimal(minor).scaleb(-exponent), "f")


def meta(obj: dict, key: str, what: str) -> str | None:
    value = get(obj, "metadata", dict, what).get(META + key)
    return value if value not in (None, "") else None


def account_id(customer: dict) -> str:
    """The CRM's account id when the customer's metadata names it, so billing and CRM rows
    join; otherwise the Stripe customer id."""
    return meta(customer, "account_id", "customer") or get(customer, "id", str, "customer")


def linked(customer: dict) -> bool:
    """Whether the customer names the CRM account it belongs to."""
    return meta(customer, "account_id", "customer") is not None


def account_row(customer: dict, updated_at: int, fallback_currency: str) -> dict:
    what = "customer"
    address = get(customer, "address", dict, what, optional=True) or {}
    segment = meta(customer, "segment", what) or "smb"
    return {
        "account_id": account_id(customer),
        "account_name": get(customer, "name", str, what, optional=True)
        or get(customer, "description", str, what, optional=True)
        or customer["id"],
        "industry": meta(customer, "industry", what) or "unknown",
        "country": address.get("country") or "ZZ",  # ZZ: unknown region (CLDR)
        "segment": segment,
        "employee_count": meta(customer, "employee_count", what) or "0",
        "billing_currency": (
            get(customer, "currency", str, what, optional=True) or fallback_currency
        ).upper(),
        "created_at": ts(get(customer, "created", int, what)),
        "updated_at": ts(max(updated_at, customer["created"])),
    }


def plan_row(price: dict) -> tuple[dict | None, str | None]:
    """A recurring per-seat price as a plan, or None and why it is left out."""
    what = "price"
    pid = get(price, "id", str, what)
    recurring = get(price, "recurring", dict, what, optional=True)
    if recurring is None:
        return None, f"price {pid} is a one-time price: not a plan"
    interval = get(recurring, "interval", str, f"price {pid} recurring")
    count = get(recurring, "interval_count", int, f"price {pid} recurring")
    if interval not in MONTHS:
        return None, f"price {pid} bills every {count} {interval}: not a whole number of months"
    if get(price, "billing_scheme", str, what) != "per_unit":
        return None, f"price {pid} is tiered: it has no single unit price"
    product = get(price, "product", dict, what)
    currency = get(price, "currency", str, what)
    name = get(product, "name", str, "product")
    nickname = get(price, "nickname", str, what, optional=True)
    amount = get(price, "unit_amount_decimal", str, what)
    return {
        "plan_id": pid,
        "plan_name": f"{name} ({nickname})" if nickname else name,
        "tier": meta(price, "tier", what) or meta(product, "tier", "product") or "1",
        "billing_interval_months": MONTHS[interval] * count,
        "currency": currency.upper(),
        "unit_price": money(amount, currency),
    }, None


def subscription_of(invoice: dict) -> str | None:
    details = get(invoice, "parent", dict, "invoice", optional=True) or {}
    sub = details.get("subscription_details") or {}
    return sub.get("subscription")


def invoice_row(invoice: dict, account_of: dict[str, str]) -> dict | None:
    """A subscription's issued invoice as a contract invoice; None for a draft or a one-off."""
    what = "invoice"
    status = get(invoice, "status", str, what)
    subscription = subscription_of(invoice)
    if status not in INVOICE_STATUS or subscription is None:
        return None
    currency = get(invoice, "currency", str, what)
    transitions = get(invoice, "status_transitions", dict, what)
    issued = get(transitions, "finalized_at", int, what, optional=True) or get(
        invoice, "created", int, what
    )
    paid = get(transitions, "paid_at", int, what, optional=True)
    due = get(invoice, "due_date", int, what, optional=True) or issued
    customer = get(invoice, "customer", str, what)
    return {
        "invoice_id": get(invoice, "id", str, what),
        "subscription_id": subscription,
        "account_id": account_of.get(customer, customer),
        "issued_at": ts(issued),
        "due_at": ts(due),
        "amount": money(get(invoice, "total", int, what), currency),
        "currency": currency.upper(),
        "status": status,
        "paid_at": ts(paid) if status == "paid" and paid else None,
    }
