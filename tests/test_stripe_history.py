"""The subscription history rebuilt from Stripe's invoices and subscriptions, on objects made
here: an item removed from a live subscription, an amount coupon, a trial never converted."""

from __future__ import annotations

from tests.fakes.stripe_objects import invoice, line, price, subscription, t
from upsell.connectors import stripe_history

BASIC = price("price_basic", "Basic", 1000)
SEATS = price("price_seats", "Seat pack", 500)


def history(invoices, subs, at="2026-10-20", trials=None):
    billed = [s for inv in invoices for s in stripe_history.from_invoice(inv, trials or {})]
    seen = list(billed)
    for sub in subs:
        seen += stripe_history.from_subscription(sub, t(at), set())
        seen += stripe_history.removed_items(billed, sub, t(at), set())
    items: dict = {}
    rows = stripe_history.events(seen, items, {"cus_1": "acct-1"})
    return [(r["subscription_id"], r["event_type"], r["effective_at"][:10]) for r in rows], rows


def test_an_item_gone_from_a_live_subscription_ends_after_its_last_billed_period():
    def both(month, nxt):
        return invoice(
            f"in_{month}",
            "cus_1",
            "sub_1",
            f"2026-{month}-01",
            [
                line(
                    f"il_a{month}",
                    "sub_1",
                    "si_a",
                    "price_basic",
                    2,
                    f"2026-{month}-01",
                    f"2026-{nxt}-01",
                    2000,
                ),
                line(
                    f"il_x{month}",
                    "sub_1",
                    "si_x",
                    "price_seats",
                    1,
                    f"2026-{month}-01",
                    f"2026-{nxt}-01",
                    500,
                ),
            ],
        )

    only_a = invoice(
        "in_09",
        "cus_1",
        "sub_1",
        "2026-09-01",
        [line("il_a09", "sub_1", "si_a", "price_basic", 2, "2026-09-01", "2026-10-01", 2000)],
    )
    live = subscription("sub_1", "cus_1", "si_a", BASIC, 2, "2026-07-01")
    events, rows = history([both("07", "08"), both("08", "09"), only_a], [live])
    assert events == [
        ("si_a", "created", "2026-07-01"),
        ("si_x", "created", "2026-07-01"),
        ("si_x", "cancelled", "2026-09-01"),  # the end of its last billed period
    ]
    assert {r["account_id"] for r in rows} == {"acct-1"}


def test_an_amount_coupon_is_the_share_of_the_subtotal_it_took():
    third = invoice(
        "in_1",
        "cus_1",
        "sub_1",
        "2026-07-01",
        [
            line(
                "il_1",
                "sub_1",
                "si_a",
                "price_basic",
                3,
                "2026-07-01",
                "2026-08-01",
                3000,
                off=1000,
            )
        ],
    )
    live = subscription("sub_1", "cus_1", "si_a", BASIC, 3, "2026-07-01")
    _, [created] = history([third], [live])
    assert created["discount_pct"] == "33.3333"  # 10.00 of 30.00, to the contract's 4 places


def test_a_trial_that_never_converts_has_no_event():
    trial = invoice(
        "in_1",
        "cus_1",
        "sub_1",
        "2026-07-01",
        [line("il_1", "sub_1", "si_a", "price_basic", 1, "2026-07-01", "2026-07-15", 0)],
    )
    ended = subscription(
        "sub_1",
        "cus_1",
        "si_a",
        BASIC,
        1,
        "2026-07-01",
        status="canceled",
        trial_end=t("2026-07-15"),
        ended_at=t("2026-07-15"),
    )
    events, _ = history([trial], [ended], trials={"sub_1": t("2026-07-15")})
    assert events == []
