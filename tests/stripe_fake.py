"""Fixtures of the Stripe connector's tests: the fake API with the small account on it."""

from __future__ import annotations

from decimal import Decimal

from tests.connector_pipeline import assert_clean_run
from tests.fake_api import extract_alone, fake_fixture
from tests.fakes import stripe_world
from tests.fakes.stripe_server import FakeStripe, serve

KEY = "sk_test_fake_5Gq8c1Lw"  # must not appear in any file, log or message


def with_first_world() -> FakeStripe:
    fake = FakeStripe(key=KEY)
    stripe_world.load(fake, stripe_world.first_world())
    return fake


fake = fake_fixture(with_first_world, serve)


def env_of(fake: FakeStripe, key: str = KEY) -> dict[str, str]:
    return {"UPSELL_STRIPE_API_KEY": key, "UPSELL_STRIPE_BASE_URL": fake.url}


def run(fake, root, now=stripe_world.FIRST, **kw):
    """One extraction of Stripe alone: its part of the report."""
    return extract_alone("stripe", env_of(fake), root, now, **kw)


def check_marts(result, con) -> None:
    """The run of the two extractions succeeded and the marts hold the figures worked out by
    hand in tests/fakes/stripe_world.py."""
    assert_clean_run(result, con)
    mrr = dict(
        con.execute(
            "SELECT strftime(month, '%Y-%m'), mrr FROM marts.kpi_saas_monthly ORDER BY month"
        ).fetchall()
    )
    assert mrr == {month: Decimal(value) for month, value in stripe_world.MRR.items()}
    movements = con.execute(
        "SELECT account_id, strftime(month, '%Y-%m'), movement_type, new_mrr + expansion_mrr "
        "- contraction_mrr - churned_mrr FROM marts.fct_mrr_movements "
        "WHERE movement_type <> 'flat' ORDER BY account_id, month"
    ).fetchall()
    assert [(a, m, t, float(c)) for a, m, t, c in movements] == [
        ("cus_A", "2026-07", "new", 50.0),
        ("cus_A", "2026-08", "expansion", 75.0),  # Basic -> Pro, 5 seats
        ("cus_A", "2026-10", "expansion", 75.0),  # 5 -> 8 seats
        ("cus_B", "2026-07", "new", 30.0),
        ("cus_B", "2026-09", "contraction", -6.0),  # the 20 % coupon
        ("cus_B", "2026-11", "churn", -24.0),  # cancelled at period end
        ("cus_C", "2026-08", "new", 40.0),  # after the trial: 2 x 240 / 12
        ("cus_D", "2026-10", "new", 10.0),
    ]
