"""End to end from Shopify: a first and an incremental extraction from the fake Shopify API,
one pipeline run (ingest, raw checks, dbt build) on the two deliveries, and the commerce marts
against the figures worked out by hand in tests/fakes/shopify_world.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests import shopify_fake
from tests.connector_pipeline import assert_clean_run, local_installation, pipeline_run
from tests.fakes import shopify_world
from tests.shopify_fake import run

fake = shopify_fake.fake  # the fixture


@pytest.fixture
def built(fake, tmp_path):
    first = run(fake, tmp_path)
    shopify_world.second_changes(fake.world)
    second = run(fake, tmp_path, now=shopify_world.SECOND)
    with pipeline_run(local_installation(tmp_path)) as (result, con):
        yield result, con, (first, second)


def test_the_commerce_marts_hold_the_figures_worked_out_by_hand(built):
    result, con, (first, second) = built
    assert first.delivery.name == "2026-10-20" and second.delivery.name == "2026-11-10"
    assert_clean_run(result, con)
    kpi = {
        month: (orders, revenue, addon, buyers)
        for month, orders, revenue, addon, buyers in con.execute(
            "SELECT strftime(month, '%Y-%m'), orders, revenue, addon_revenue, buyers "
            "FROM marts.kpi_commerce_monthly ORDER BY month"
        ).fetchall()
    }
    # shopify_world's docstring: Aug 401 (60, add-on 40; 402 refunded later), Sep 404 (70 - 10
    # refunded = 60, add-on 40; 403 cancelled), Oct none, Nov 406 + 407 = 80 + 10 (add-on 80)
    assert kpi == {
        month: (orders, Decimal(revenue), Decimal(addon), buyers)
        for month, (orders, revenue, addon, buyers) in shopify_world.KPI.items()
    }
    statuses = dict(con.execute("SELECT order_id, status FROM staging.stg_shop__orders").fetchall())
    assert statuses["402"] == "refunded" and statuses["403"] == "cancelled"
    accounts = con.execute(
        "SELECT account_id, lifetime_orders, lifetime_order_revenue, addons_owned "
        "FROM marts.customer_360 ORDER BY account_id"
    ).fetchall()
    # completed orders only: Acme 401 (403 cancelled), Beta 406 (402 refunded), Gamma 404 after
    # its refund, Delta 407; every one but Delta's holds the Support plan add-on (variant 303)
    assert [(a, n, float(r), k) for a, n, r, k in accounts] == [
        ("acc_B", 1, 80.0, 1),
        ("shopify-101", 1, 60.0, 1),
        ("shopify-103", 1, 60.0, 1),
        ("shopify-104", 1, 10.0, 0),
    ]
