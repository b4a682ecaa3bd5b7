"""End to end from Stripe: a first and an incremental extraction from the fake Stripe API,
one pipeline run (ingest, raw checks, dbt build) on the two deliveries, and the marts' MRR
against the figures worked out by hand in tests/fakes/stripe_world.py."""

from __future__ import annotations

import pytest

from tests import stripe_fake
from tests.connector_pipeline import local_installation, pipeline_run
from tests.fakes import stripe_world
from tests.stripe_fake import check_marts, run

fake = stripe_fake.fake  # the fixture


@pytest.fixture
def built(fake, tmp_path):
    first = run(fake, tmp_path)
    fake.world["events"] += stripe_world.second_events()
    second = run(fake, tmp_path, now=stripe_world.SECOND)
    with pipeline_run(local_installation(tmp_path)) as (result, con):
        yield result, con, (first, second)


def test_the_marts_hold_the_mrr_worked_out_by_hand(built):
    result, con, (first, second) = built
    assert first.delivery.name == "2026-10-20" and second.delivery.name == "2026-11-10"
    check_marts(result, con)
