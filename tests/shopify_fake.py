"""Fixtures of the Shopify connector's tests: the fake API with the small shop on it."""

from __future__ import annotations

from tests.fake_api import extract_alone, fake_fixture
from tests.fakes import shopify_world
from tests.fakes.shopify_server import FakeShopify, serve

TOKEN = "shpat_fake_9d1c4e7a2b"  # must not appear in any file, log or message


def with_first_world() -> FakeShopify:
    fake = FakeShopify(token=TOKEN)
    shopify_world.load(fake, shopify_world.first_world())
    return fake


fake = fake_fixture(with_first_world, serve)


def env_of(fake: FakeShopify, token: str = TOKEN) -> dict[str, str]:
    return {
        "UPSELL_SHOPIFY_SHOP": "acme.myshopify.com",
        "UPSELL_SHOPIFY_TOKEN": token,
        "UPSELL_SHOPIFY_BASE_URL": fake.url,
    }


def run(fake, root, now=shopify_world.FIRST, env=None, **kw):
    """One extraction of Shopify alone: its part of the report."""
    return extract_alone("shopify", env or env_of(fake), root, now, **kw)
