"""End to end from Stripe: a first and an incremental extraction from the fake Stripe API,
one pipeline run (ingest, raw checks, dbt build) on the two deliveries, and the marts' MRR
against the figures worked out by hand in tests/fakes/stripe_world.py."""

from __future__ import annotations

from decimal import Decimal

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
from tests.stripe_fake import run

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
    assert result.success
    failed = [c.check_name for c in result.get_asset_check_evaluations() if not c.passed]
    assert failed == ["latest_delivery_is_fresh"] or failed == []  # the fixture is in the past
    quarantined = con.execute("SELECT sum(quarantined_rows) FROM raw._load_manifest").fetchone()[0]
    assert quarantined == 0
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
