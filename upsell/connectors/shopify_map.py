"""Shopify REST Admin objects (API version 2026-10, as JSON) to contract rows.

Every field read is checked (``common.checked``): a missing field or one of another type stops
the extraction in words. Fields not read here are ignored. docs/connectors.md gives the
mapping field by field and the reasons.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from upsell.connectors.common import checked
from upsell.errors import UpsellError

TAG = "upsell_"  # customer and product tags this mapping reads start with it
ADDON_TAG = "upsell_addon"
SEGMENTS = ("smb", "mid_market", "enterprise")


def get(obj: dict, path: str, kind, what: str, optional: bool = False):
    return checked(obj, path, kind, "Shopify", what, optional)


def ts(text: str, what: str) -> str:
    """An ISO 8601 time with offset, as UTC (``...Z``)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise UpsellError(
            f"Shopify {what}: {text!r} is not a time with an offset such as "
            "2026-07-03T10:00:00-04:00: the API's answer has changed shape: nothing was delivered"
        )
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def money(text: str, what: str) -> str:
    """Shopify's decimal string (``"19.00"``) checked and kept as written."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise UpsellError(
            f"Shopify {what}: {text!r} is not an amount: the API's answer has changed shape: "
            "nothing was delivered"
        )
    return format(value, "f")


def tags(obj: dict, what: str) -> list[str]:
    """Shopify's tags: one comma-separated string."""
    text = get(obj, "tags", str, what)
    return [t.strip() for t in text.split(",") if t.strip()]


def tag_value(obj: dict, key: str, what: str) -> str | None:
    """The value of a ``upsell_<key>:<value>`` tag, or None."""
    prefix = f"{TAG}{key}:"
    values = [t[len(prefix) :].strip() for t in tags(obj, what) if t.startswith(prefix)]
    if len(set(values)) > 1:
        raise UpsellError(
            f"Shopify {what} {obj.get('id', '?')} has {len(values)} {prefix} tags "
            f"({', '.join(values)}): keep one"
        )
    return values[0] if values and values[0] else None


def linked(customer: dict) -> bool:
    """Whether the customer names the CRM account it belongs to."""
    return tag_value(customer, "account_id", "customer") is not None


def account_id(customer: dict) -> str:
    """The CRM's account id when the customer's tag names it, else ``shopify-<id>`` (no CRM
    or billing id looks like it)."""
    own = get(customer, "id", int, "customer")
    return tag_value(customer, "account_id", "customer") or f"shopify-{own}"


def account_row(customer: dict, shop_currency: str) -> dict:
    what = "customer"
    address = get(customer, "default_address", dict, what, optional=True) or {}
    first = get(customer, "first_name", str, what, optional=True) or ""
    last = get(customer, "last_name", str, what, optional=True) or ""
    segment = tag_value(customer, "segment", what) or "smb"
    if segment not in SEGMENTS:
        raise UpsellError(
            f"Shopify customer {customer['id']}: tag upsell_segment:{segment} is not one of "
            f"{', '.join(SEGMENTS)}: correct the tag"
        )
    employees = tag_value(customer, "employee_count", what) or "0"
    if not employees.isdigit():
        raise UpsellError(
            f"Shopify customer {customer['id']}: tag upsell_employee_count:{employees} is not a "
            "whole number: correct the tag"
        )
    return {
        "account_id": account_id(customer),
        "account_name": (address.get("company") or "").strip()
        or f"{first} {last}".strip()
        or f"Shopify customer {customer['id']}",
        "industry": tag_value(customer, "industry", what) or "unknown",
        "country": address.get("country_code") or "ZZ",  # ZZ: unknown region (CLDR)
        "segment": segment,
        "employee_count": employees,
        "billing_currency": shop_currency,
        "created_at": ts(get(customer, "created_at", str, what), "customer created_at"),
        "updated_at": ts(get(customer, "updated_at", str, what), "customer updated_at"),
    }


def product_rows(product: dict, shop_currency: str) -> list[dict]:
    """One row per variant: line items, and prices, are a variant's."""
    what = "product"
    title = get(product, "title", str, what)
    is_addon = ADDON_TAG in tags(product, what)
    category = get(product, "product_type", str, what).strip() or "uncategorised"
    rows = []
    for variant in get(product, "variants", list, what):
        vwhat = f"product {product['id']} variant"
        name = get(variant, "title", str, vwhat)
        rows.append(
            {
                "product_id": str(get(variant, "id", int, vwhat)),
                # a product without options has one variant named "Default Title"
                "product_name": title if name == "Default Title" else f"{title} - {name}",
                "category": category,
                "is_addon": is_addon,
                "currency": shop_currency,
                "list_price": money(get(variant, "price", str, vwhat), f"{vwhat} price"),
            }
        )
    return rows


def order_status(order: dict) -> str:
    """Cancelled before refunded (a cancelled paid order is refunded too); a partial refund
    leaves the order completed, at its amount after the refund."""
    if get(order, "cancelled_at", str, "order", optional=True):
        return "cancelled"
    if get(order, "financial_status", str, "order", optional=True) == "refunded":
        return "refunded"
    return "completed"


def order_row(order: dict, account: str) -> dict:
    what = "order"
    status = order_status(order)
    # the subtotal: line items after discounts, before shipping and taxes; "current" is after
    # refunds and edits, kept for a completed order (its revenue), the original otherwise
    total = "current_subtotal_price" if status == "completed" else "subtotal_price"
    return {
        "order_id": str(get(order, "id", int, what)),
        "account_id": account,
        "ordered_at": ts(get(order, "created_at", str, what), f"order {order['id']} created_at"),
        "status": status,
        "currency": get(order, "currency", str, what).upper(),
        "order_total": money(get(order, total, str, what), f"order {order['id']} {total}"),
        "updated_at": ts(get(order, "updated_at", str, what), f"order {order['id']} updated_at"),
    }


def item_rows(order: dict) -> tuple[list[dict], list[str]]:
    """The order's line items of a variant, and why the others are left out."""
    rows, left_out = [], []
    oid = get(order, "id", int, "order")
    for line in get(order, "line_items", list, "order"):
        what = f"order {oid} line item"
        lid = get(line, "id", int, what)
        variant = get(line, "variant_id", int, what, optional=True)
        if variant is None:
            left_out.append(
                f"Shopify order {oid} line item {lid} has no variant (a custom item or a "
                "deleted product): not an order item of the catalogue"
            )
            continue
        discounts = sum(
            (
                Decimal(money(get(d, "amount", str, f"{what} {lid} discount"), what))
                for d in get(line, "discount_allocations", list, what)
            ),
            Decimal(0),
        )
        rows.append(
            {
                "order_item_id": str(lid),
                "order_id": str(oid),
                "product_id": str(variant),
                "quantity": get(line, "quantity", int, what),
                "unit_price": money(get(line, "price", str, what), f"{what} {lid} price"),
                "discount_amount": format(discounts, "f"),
            }
        )
    return rows, left_out
