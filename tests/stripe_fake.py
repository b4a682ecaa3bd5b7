"""Fixtures of the Stripe connector's tests: the fake API with the small account on it."""

from __future__ import annotations

import pytest

from tests.fakes import stripe_world
from tests.fakes.stripe_server import FakeStripe, serve
from upsell.connectors import run as connectors_run

KEY = "sk_test_fake_5Gq8c1Lw"  # must not appear in any file, log or message


@pytest.fixture
def fake():
    server_side = FakeStripe(key=KEY)
    stripe_world.load(server_side, stripe_world.first_world())
    server = serve(server_side)
    try:
        yield server_side
    finally:
        server.shutdown()
        server.server_close()


def env_of(fake: FakeStripe, key: str = KEY) -> dict[str, str]:
    return {"UPSELL_STRIPE_API_KEY": key, "UPSELL_STRIPE_BASE_URL": fake.url}


def run(fake, root, now=stripe_world.FIRST, **kw):
    """One extraction of Stripe alone: its part of the report."""
    [done] = connectors_run.extract(
        ["stripe"], env_of(fake), root / "landing", root / "state", "EUR", now=now, **kw
    )
    return done
