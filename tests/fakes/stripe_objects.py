"""Stripe objects in the shapes of API version 2026-10-28.endive, for the fake Stripe API."""

from __future__ import annotations

from datetime import UTC, datetime


def t(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def customer(cid, name, created, metadata=None, country=None, **extra):
    address = {"country": country, "city": None, "line1": None} if country else None
    return {
        "id": cid,
        "object": "customer",
        "created": t(created),
        "name": name,
        "email": f"billing@{name.lower()}.example",
        "description": None,
        "currency": "eur",
        "address": address,
        "metadata": metadata or {},
        "livemode": False,
        **extra,
    }


def product(pid, name, tier=None):
    return {
        "id": pid,
        "object": "product",
        "name": name,
        "active": True,
        "created": t("2026-01-01"),
        "metadata": {"upsell_tier": tier} if tier else {},
    }


def price(
    pid, nickname, cents, interval="month", tier=None, product_id="prod_team", kind="recurring"
):
    recurring = {"interval": interval, "interval_count": 1, "usage_type": "licensed"}
    return {
        "id": pid,
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": t("2026-01-02"),
        "currency": "eur",
        "nickname": nickname,
        "product": product_id,
        "recurring": recurring if kind == "recurring" else None,
        "type": kind,
        "unit_amount": cents,
        "unit_amount_decimal": str(cents),
        "metadata": {"upsell_tier": tier} if tier else {},
        "livemode": False,
    }


def subscription(sid, cus, item, price_obj, qty, start, status="active", **extra):
    items = {
        "object": "list",
        "has_more": False,
        "url": f"/v1/subscription_items?subscription={sid}",
        "data": [
            {
                "id": item,
                "object": "subscription_item",
                "price": price_obj,
                "quantity": qty,
                "subscription": sid,
                "created": t(start),
            }
        ],
    }
    base = {
        "id": sid,
        "object": "subscription",
        "customer": cus,
        "status": status,
        "created": t(start),
        "start_date": t(start),
        "currency": "eur",
        "items": items,
        "trial_start": None,
        "trial_end": None,
        "cancel_at_period_end": False,
        "cancel_at": None,
        "canceled_at": None,
        "ended_at": None,
        "discounts": [],
        "metadata": {},
        "livemode": False,
    }
    return {**base, **extra}


def line(lid, sub, item, price_id, qty, start, end, cents, proration=False, off=0):
    details = {
        "subscription": sub,
        "subscription_item": item,
        "proration": proration,
        "invoice_item": None,
        "proration_details": {"credited_items": None},
    }
    return {
        "id": lid,
        "object": "line_item",
        "amount": cents - off,
        "subtotal": cents,
        "currency": "eur",
        "quantity": qty,
        "period": {"start": t(start), "end": t(end)},
        "discount_amounts": [{"amount": off, "discount": "di_20"}] if off else [],
        "discounts": ["di_20"] if off else [],
        "discountable": not proration,
        "parent": {
            "type": "subscription_item_details",
            "invoice_item_details": None,
            "subscription_item_details": details,
        },
        "pricing": {
            "type": "price_details",
            "unit_amount_decimal": None,
            "price_details": {"price": price_id, "product": "prod_team"},
        },
        "metadata": {},
        "livemode": False,
    }


def invoice(iid, cus, sub, created, lines, status="paid", embedded=None, paid=None):
    total = sum(x["amount"] for x in lines)
    shown = lines[:embedded] if embedded else lines
    paid_at = paid or (t(created) + 600 if status == "paid" else None)
    parent = (
        {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"subscription": sub, "metadata": {}},
        }
        if sub
        else None
    )
    return {
        "id": iid,
        "object": "invoice",
        "customer": cus,
        "status": status,
        "created": t(created),
        "due_date": None,
        "total": total,
        "currency": "eur",
        "status_transitions": {
            "finalized_at": t(created) if status != "draft" else None,
            "paid_at": paid_at,
            "voided_at": None,
            "marked_uncollectible_at": None,
        },
        "parent": parent,
        "livemode": False,
        "all_lines": lines,
        "lines": {
            "object": "list",
            "data": shown,
            "has_more": len(shown) < len(lines),
            "url": f"/v1/invoices/{iid}/lines",
        },
    }


def event(eid, kind, created, obj):
    obj = {k: v for k, v in obj.items() if k != "all_lines"}
    return {
        "id": eid,
        "object": "event",
        "type": kind,
        "created": t(created),
        "api_version": "2026-10-28.endive",
        "data": {"object": obj},
        "livemode": False,
    }
