"""A small Stripe account, as the fake serves it, with its MRR worked out by hand.

Four customers, all billed in EUR (the reporting currency, so no rates are needed):

- Acme (``cus_A``, item ``si_A``): Basic (10.00/seat/month) x 5 from 1 Jul; upgraded to Pro
  (25.00) on 16 Aug with a proration; 8 seats from 25 Oct (an event after the first
  extraction). MRR Jul 50, Aug-Sep 125, Oct-Nov 200.
- Beta (``cus_B``, ``si_B``): Basic x 3 from 10 Jul; a 20 % coupon from the 10 Sep invoice on
  (30 -> 24); cancels at period end on 28 Oct, ending 10 Nov. MRR Jul-Aug 30, Sep-Oct 24, Nov 0.
- Gamma (``cus_C``, ``si_C``): a trial from 15 Jul to 15 Aug, then Pro annual (240.00/seat/
  year) x 2: MRR 40 from Aug.
- Delta (``cus_D``, ``si_D``): a new customer on 25 Oct, Basic x 1: MRR 10 from Oct.

Total MRR: Jul 80, Aug 195, Sep 189, Oct 274, Nov 250 (the last delivery is 10 Nov).
"""

from datetime import UTC, datetime

from tests.fakes.stripe_objects import customer, event, invoice, line, price, product, t
from tests.fakes.stripe_objects import subscription as _subscription

FIRST = datetime(2026, 10, 20, 12, tzinfo=UTC)  # the first extraction
SECOND = datetime(2026, 11, 10, 12, tzinfo=UTC)  # the incremental one
MRR = {"2026-07": 80, "2026-08": 195, "2026-09": 189, "2026-10": 274, "2026-11": 250}

PRICES = {
    "price_basic": price("price_basic", "Basic", 1000, tier="1"),
    "price_pro": price("price_pro", "Pro", 2500, tier="2"),
    "price_pro_annual": price("price_pro_annual", "Pro annual", 24000, "year", tier="2"),
    "price_weekly": price("price_weekly", "Weekly", 300, "week"),
    "price_setup": price("price_setup", "Setup", 5000, kind="one_time"),
}


def subscription(sid, cus, item, price_id, *args, **kw):
    return _subscription(sid, cus, item, PRICES[price_id], *args, **kw)


def _acme_invoices():
    def a(lid, *args, **kw):
        return line(lid, "sub_A", "si_A", *args, **kw)

    return [
        invoice(
            "in_A1",
            "cus_A",
            "sub_A",
            "2026-07-01",
            [a("il_A1", "price_basic", 5, "2026-07-01", "2026-08-01", 5000)],
        ),
        invoice(
            "in_A2",
            "cus_A",
            "sub_A",
            "2026-08-01",
            [a("il_A2", "price_basic", 5, "2026-08-01", "2026-09-01", 5000)],
        ),
        invoice(
            "in_A3",
            "cus_A",
            "sub_A",
            "2026-09-01",
            [
                a("il_A3a", "price_basic", 5, "2026-08-16", "2026-09-01", -2581, proration=True),
                a("il_A3b", "price_pro", 5, "2026-08-16", "2026-09-01", 6452, proration=True),
                a("il_A3c", "price_pro", 5, "2026-09-01", "2026-10-01", 12500),
            ],
            embedded=2,
        ),  # a third line beyond the embedded ones: paged from its lines list
        invoice(
            "in_A4",
            "cus_A",
            "sub_A",
            "2026-10-01",
            [a("il_A4", "price_pro", 5, "2026-10-01", "2026-11-01", 12500)],
        ),
    ]


def _beta_invoices(oct_status="open"):
    def b(lid, *args, **kw):
        return line(lid, "sub_B", "si_B", *args, **kw)

    return [
        invoice(
            "in_B1",
            "cus_B",
            "sub_B",
            "2026-07-10",
            [b("il_B1", "price_basic", 3, "2026-07-10", "2026-08-10", 3000)],
        ),
        invoice(
            "in_B2",
            "cus_B",
            "sub_B",
            "2026-08-10",
            [b("il_B2", "price_basic", 3, "2026-08-10", "2026-09-10", 3000)],
        ),
        invoice(
            "in_B3",
            "cus_B",
            "sub_B",
            "2026-09-10",
            [b("il_B3", "price_basic", 3, "2026-09-10", "2026-10-10", 3000, off=600)],
        ),
        invoice(
            "in_B4",
            "cus_B",
            "sub_B",
            "2026-10-10",
            [b("il_B4", "price_basic", 3, "2026-10-10", "2026-11-10", 3000, off=600)],
            status=oct_status,
        ),
    ]


def _gamma_invoices():
    def c(lid, *args, **kw):
        return line(lid, "sub_C", "si_C", *args, **kw)

    return [
        invoice(
            "in_C0",
            "cus_C",
            "sub_C",
            "2026-07-15",
            [c("il_C0", "price_pro_annual", 2, "2026-07-15", "2026-08-15", 0)],
        ),
        invoice(
            "in_C1",
            "cus_C",
            "sub_C",
            "2026-08-15",
            [c("il_C1", "price_pro_annual", 2, "2026-08-15", "2027-08-15", 48000)],
        ),
    ]


def first_world() -> dict:
    """Everything as Stripe lists it on 20 Oct (with one field Stripe added since)."""
    beta = customer("cus_B", "Beta", "2026-07-01", loyalty_program={"tier": "gold"})
    one_off = invoice(
        "in_X1",
        "cus_A",
        None,
        "2026-09-05",
        [line("il_X1", None, None, "price_setup", 1, "2026-09-05", "2026-09-05", 5000)],
    )
    one_off["lines"]["data"][0]["parent"] = {
        "type": "invoice_item_details",
        "subscription_item_details": None,
    }
    draft = invoice("in_A5", "cus_A", "sub_A", "2026-10-19", [], status="draft")
    return {
        "customers": [
            customer(
                "cus_A",
                "Acme",
                "2026-06-10",
                {
                    "upsell_segment": "mid_market",
                    "upsell_industry": "software",
                    "upsell_employee_count": "120",
                },
                "DE",
            ),
            beta,
            customer("cus_C", "Gamma", "2026-07-15", country="FR"),
        ],
        "prices": list(PRICES.values()),
        "subscriptions": [
            subscription("sub_A", "cus_A", "si_A", "price_pro", 5, "2026-07-01"),
            subscription("sub_B", "cus_B", "si_B", "price_basic", 3, "2026-07-10"),
            subscription(
                "sub_C",
                "cus_C",
                "si_C",
                "price_pro_annual",
                2,
                "2026-07-15",
                trial_start=t("2026-07-15"),
                trial_end=t("2026-08-15"),
            ),
        ],
        "invoices": [*_acme_invoices(), *_beta_invoices(), *_gamma_invoices(), one_off, draft],
        "events": [
            event(
                "evt_old", "customer.updated", "2026-10-01", customer("cus_A", "Acme", "2026-06-10")
            )
        ],
    }


def second_events() -> list[dict]:
    """What happened between the two extractions, as Stripe's event list has it."""
    acme_meta = {
        "upsell_segment": "mid_market",
        "upsell_industry": "software",
        "upsell_employee_count": "130",
    }
    acme = customer("cus_A", "Acme GmbH", "2026-06-10", acme_meta, "DE")
    acme_8 = subscription("sub_A", "cus_A", "si_A", "price_pro", 8, "2026-07-01")
    beta_ending = subscription(
        "sub_B",
        "cus_B",
        "si_B",
        "price_basic",
        3,
        "2026-07-10",
        cancel_at_period_end=True,
        cancel_at=t("2026-11-10"),
        canceled_at=t("2026-10-28"),
    )
    beta_ended = {**beta_ending, "status": "canceled", "ended_at": t("2026-11-10")}
    delta_sub = subscription("sub_D", "cus_D", "si_D", "price_basic", 1, "2026-10-25T15:00")
    a = lambda lid, *args, **kw: line(lid, "sub_A", "si_A", *args, **kw)  # noqa: E731
    acme_nov = invoice(
        "in_A6",
        "cus_A",
        "sub_A",
        "2026-11-01",
        [
            a("il_A6a", "price_pro", 5, "2026-10-25T09:00", "2026-11-01", -2016, proration=True),
            a("il_A6b", "price_pro", 8, "2026-10-25T09:00", "2026-11-01", 3226, proration=True),
            a("il_A6c", "price_pro", 8, "2026-11-01", "2026-12-01", 20000),
        ],
    )
    delta_inv = invoice(
        "in_D1",
        "cus_D",
        "sub_D",
        "2026-10-25T15:00",
        [
            line(
                "il_D1",
                "sub_D",
                "si_D",
                "price_basic",
                1,
                "2026-10-25T15:00",
                "2026-11-25T15:00",
                1000,
            )
        ],
    )
    beta_paid = _beta_invoices(oct_status="paid")[-1]
    beta_paid["status_transitions"]["paid_at"] = t("2026-10-22")
    return [
        event("evt_1", "invoice.paid", "2026-10-22", beta_paid),
        event("evt_2", "customer.subscription.updated", "2026-10-25T09:00", acme_8),
        event(
            "evt_3",
            "customer.created",
            "2026-10-25T15:00",
            customer("cus_D", "Delta", "2026-10-25T15:00", country="NL"),
        ),
        event("evt_4", "customer.subscription.created", "2026-10-25T15:00", delta_sub),
        event("evt_5", "invoice.paid", "2026-10-25T15:01", delta_inv),
        event("evt_6", "customer.subscription.updated", "2026-10-28", beta_ending),
        event("evt_7", "invoice.created", "2026-11-01", acme_nov),
        event("evt_8", "customer.updated", "2026-11-02", acme),
        event("evt_9", "customer.subscription.deleted", "2026-11-10", beta_ended),
        event("evt_10", "charge.succeeded", "2026-11-01", {"id": "ch_1", "object": "charge"}),
    ]


def load(fake, world: dict) -> None:
    fake.world = {name: list(rows) for name, rows in world.items()}
    fake.products = {"prod_team": product("prod_team", "Team")}
