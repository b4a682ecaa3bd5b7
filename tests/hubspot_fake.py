"""Fixtures of the HubSpot connector's tests: the fake API with the small portal on it."""

from __future__ import annotations

from tests.fake_api import extract_alone, fake_fixture
from tests.fakes import hubspot_world
from tests.fakes.hubspot_server import FakeHubSpot, serve

TOKEN = "pat-eu1-fake-7c1e0b4a-93d2"  # must not appear in any file, log or message


def with_first_world() -> FakeHubSpot:
    fake = FakeHubSpot(token=TOKEN)
    fake.world = hubspot_world.first_world()
    hubspot_world.load(fake, fake.world)
    return fake


fake = fake_fixture(with_first_world, serve)


def env_of(fake: FakeHubSpot, token: str = TOKEN) -> dict[str, str]:
    return {"UPSELL_HUBSPOT_TOKEN": token, "UPSELL_HUBSPOT_BASE_URL": fake.url}


def run(fake, root, now=hubspot_world.FIRST, **kw):
    """One extraction of HubSpot alone: its part of the report."""
    return extract_alone("hubspot", env_of(fake), root, now, **kw)
