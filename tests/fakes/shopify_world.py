"""A small B2B shop on the fake Shopify API, whose commerce marts can be worked out by hand.

The shop sells in EUR (the reporting currency: every rate is 1). Customers: 101 Acme (tagged
mid_market), 102 Beta (tagged as the CRM's account acc_B), 103 Gamma, and 104 Delta who
arrives between the two extractions. Products: Widget (variants 301 Small 10.00, 302 Large
25.00) and the add-on Support plan (variant 303, 40.00).

First extraction (2026-10-20), orders:
  401 Acme    2026-08-05  2 x 301 @ 10 + 1 x 303 @ 40 = 60 (add-on 40)  completed
  402 Beta    2026-08-20  1 x 302 @ 25 - 5 discount   = 20              completed
  403 Acme    2026-09-10  1 x 302 @ 25                = 25              cancelled
  404 Gamma   2026-09-15  3 x 301 @ 10 + 1 x 303 @ 40 = 70, one 301 refunded: 60 (add-on 40)
  405 guest   2026-09-20  no customer: left out
Second extraction (2026-11-10), changes:
  402 Beta    refunded in full on 2026-11-02          -> refunded
  406 Beta    2026-11-05  2 x 303 @ 40                = 80 (add-on 80)  completed
  407 Delta   2026-11-06  1 x 301 @ 10                = 10              completed

kpi_commerce_monthly after both (completed orders only, revenue = the order's subtotal after
refunds): 2026-08: 1 order (401), revenue 60, add-on 40, 1 buyer; 2026-09: 1 order (404; 403
cancelled), revenue 60, add-on 40 (lines as ordered), 1 buyer; 2026-10: nothing; 2026-11:
2 orders, revenue 80 + 10 = 90, add-on 80, 2 buyers, none returning (Beta's 402 is refunded,
so 406 is its first completed order).
"""

from __future__ import annotations

from datetime import UTC, datetime

FIRST = datetime(2026, 10, 20, 6, 0, tzinfo=UTC)
SECOND = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)

KPI = {  # month: (orders, revenue, addon_revenue, buyers)
    "2026-08": (1, "60.00", "40.00", 1),
    "2026-09": (1, "60.00", "40.00", 1),
    "2026-10": (0, "0.00", "0.00", 0),
    "2026-11": (2, "90.00", "80.00", 2),
}

SHOP = {
    "id": 548380009,
    "name": "Acme Supplies B2B",
    "domain": "shop.acme.example",
    "myshopify_domain": "acme.myshopify.com",
    "currency": "EUR",
    "iana_timezone": "Europe/Berlin",
    "country_code": "DE",
}


def customer(cid, company, created, tags="", updated=None, country="DE"):
    return {
        "id": cid,
        "email": f"buyer{cid}@example.com",
        "first_name": "Buyer",
        "last_name": str(cid),
        "state": "enabled",
        "tags": tags,
        "currency": "EUR",
        "created_at": created,
        "updated_at": updated or created,
        "orders_count": 0,
        "total_spent": "0.00",
        "verified_email": True,
        "default_address": {
            "id": cid * 10,
            "customer_id": cid,
            "company": company,
            "country_code": country,
            "default": True,
        },
    }


def variant(vid, pid, title, price):
    return {
        "id": vid,
        "product_id": pid,
        "title": title,
        "price": price,
        "sku": f"SKU-{vid}",
        "position": 1,
        "compare_at_price": None,
        "created_at": "2026-06-01T09:00:00+02:00",
        "updated_at": "2026-06-01T09:00:00+02:00",
    }


def product(pid, title, product_type, variants, tags=""):
    return {
        "id": pid,
        "title": title,
        "product_type": product_type,
        "vendor": "Acme",
        "status": "active",
        "tags": tags,
        "created_at": "2026-06-01T09:00:00+02:00",
        "updated_at": "2026-06-01T09:00:00+02:00",
        "variants": variants,
    }


def line(lid, vid, pid, quantity, price, discount="0.00"):
    allocations = (
        [] if discount == "0.00" else [{"amount": discount, "discount_application_index": 0}]
    )
    return {
        "id": lid,
        "variant_id": vid,
        "product_id": pid,
        "quantity": quantity,
        "price": price,
        "title": f"item {vid}",
        "total_discount": "0.00",
        "discount_allocations": allocations,
    }


def order(oid, cust, created, lines, subtotal, current=None, financial="paid", **kw):
    return {
        "id": oid,
        "name": f"#{oid}",
        "created_at": created,
        "updated_at": kw.pop("updated", created),
        "closed_at": kw.pop("closed", None),
        "cancelled_at": kw.pop("cancelled", None),
        "financial_status": financial,
        "currency": "EUR",
        "subtotal_price": subtotal,
        "current_subtotal_price": current or subtotal,
        "total_price": subtotal,
        "customer": None if cust is None else {"id": cust, "tags": ""},
        "line_items": lines,
        "refunds": kw.pop("refunds", []),
    }


def first_world() -> dict:
    return {
        "customers": [
            customer(101, "Acme GmbH", "2026-07-01T10:00:00+02:00", "upsell_segment:mid_market"),
            customer(102, "Beta Ltd", "2026-07-02T10:00:00+01:00", "upsell_account_id:acc_B"),
            customer(103, "Gamma SA", "2026-07-03T10:00:00-04:00", "", country="FR"),
        ],
        "products": [
            product(
                201,
                "Widget",
                "Hardware",
                [variant(301, 201, "Small", "10.00"), variant(302, 201, "Large", "25.00")],
            ),
            product(
                202,
                "Support plan",
                "Service",
                [variant(303, 202, "Default Title", "40.00")],
                tags="upsell_addon, yearly",
            ),
        ],
        "orders": [
            order(
                401,
                101,
                "2026-08-05T12:00:00+02:00",
                [line(501, 301, 201, 2, "10.00"), line(502, 303, 202, 1, "40.00")],
                "60.00",
                closed="2026-08-06T12:00:00+02:00",
            ),
            order(
                402,
                102,
                "2026-08-20T12:00:00+02:00",
                [line(503, 302, 201, 1, "25.00", discount="5.00")],
                "20.00",
            ),
            order(
                403,
                101,
                "2026-09-10T12:00:00+02:00",
                [line(504, 302, 201, 1, "25.00")],
                "25.00",
                financial="voided",
                cancelled="2026-09-11T08:00:00+02:00",
                updated="2026-09-11T08:00:00+02:00",
            ),
            order(
                404,
                103,
                "2026-09-15T12:00:00-04:00",
                [line(505, 301, 201, 3, "10.00"), line(506, 303, 202, 1, "40.00")],
                "70.00",
                current="60.00",
                financial="partially_refunded",
                updated="2026-09-25T12:00:00-04:00",
                refunds=[{"id": 801, "created_at": "2026-09-25T12:00:00-04:00"}],
            ),
            order(
                405, None, "2026-09-20T12:00:00+02:00", [line(507, 301, 201, 1, "10.00")], "10.00"
            ),
        ],
    }


def second_changes(world: dict) -> None:
    """What happens in the shop between the two extractions."""
    beta = next(o for o in world["orders"] if o["id"] == 402)
    beta.update(
        financial_status="refunded",
        current_subtotal_price="0.00",
        updated_at="2026-11-02T10:00:00+01:00",
        refunds=[{"id": 802, "created_at": "2026-11-02T10:00:00+01:00"}],
    )
    world["customers"].append(customer(104, "Delta BV", "2026-11-01T10:00:00+01:00", country="NL"))
    world["orders"] += [
        order(406, 102, "2026-11-05T12:00:00+01:00", [line(508, 303, 202, 2, "40.00")], "80.00"),
        order(407, 104, "2026-11-06T12:00:00+01:00", [line(509, 301, 201, 1, "10.00")], "10.00"),
    ]


def load(fake, world: dict) -> None:
    fake.shop = dict(SHOP)
    fake.world = world
