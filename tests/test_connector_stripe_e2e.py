"""End to end from Stripe: a first and an incremental extraction from the fake Stripe API,
one pipeline run (ingest, raw checks, dbt build) on the two deliveries, and the marts' MRR
against the figures worked out by hand in tests/fakes/stripe_world.py."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from orchestration.dbt.runs import dbt_resource
from orchestration.defs.ingest import landing_zone_ingest
from orchestration.defs.raw_checks import fx_coverage, raw_suites
from orchestration.defs.transform import dbt_models
from orchestration.resources import Installation
from tests import stripe_fake
from tests.fakes import stripe_world
from tests.stripe_fake import check_marts, run

fake = stripe_fake.fake  # the fixture


@pytest.fixture
def built(fake, tmp_path):
    first = run(fake, tmp_path)
    fake.world["events"] += stripe_world.second_events()
    second = run(fake, tmp_path, now=stripe_world.SECOND)
    warehouse = tmp_path / "warehouse.duckdb"
    result = dg.materialize(
        [landing_zone_ingest, raw_suites, fx_coverage, dbt_models],
        resources={
            "installation": Installation(
                path=str(warehouse), landing_dir=str(tmp_path / "landing")
            ),
            "dbt": dbt_resource(),
        },
        raise_on_error=False,
    )
    con = duckdb.connect(str(warehouse), read_only=True)
    yield result, con, (first, second)
    con.close()


def test_the_marts_hold_the_mrr_worked_out_by_hand(built):
    result, con, (first, second) = built
    assert first.delivery.name == "2026-10-20" and second.delivery.name == "2026-11-10"
    check_marts(result, con)
