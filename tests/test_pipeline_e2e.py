"""End to end in Dagster on a small generated landing zone: ingest -> checks -> dbt build.

The MRR in the marts is compared with MRR recomputed straight from the landing files in plain
SQL, independently of the dbt models.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import dagster as dg
import duckdb
import pytest

from orchestration.dbt import delivery_scoped_tests
from orchestration.dbt.delivery_scoped_tests import utc_now
from orchestration.dbt.project import DBT_PROJECT
from orchestration.dbt.runs import dbt_resource, run_dbt
from orchestration.defs.ingest import NOTHING_IGNORED, landing_zone_ingest
from orchestration.defs.raw_checks import raw_suites
from orchestration.defs.transform import dbt_models
from orchestration.resources import Installation
from tests.landing_sql import read


@pytest.fixture(scope="module")
def built(small_landing, tmp_path_factory):
    landing = small_landing[0]
    warehouse = tmp_path_factory.mktemp("e2e") / "warehouse.duckdb"
    result = dg.materialize(
        [landing_zone_ingest, raw_suites, dbt_models],
        resources={
            "installation": Installation(path=str(warehouse), landing_dir=str(landing)),
            "dbt": dbt_resource(),
        },
        raise_on_error=False,
    )
    return result, warehouse, landing


def test_dbt_build_passes_every_data_test(built):
    result, _, _ = built
    assert result.success
    checks = result.get_asset_check_evaluations()
    dbt_checks = [c for c in checks if c.check_name not in ("gx_suite", NOTHING_IGNORED)]
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text())
    data_tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert len(dbt_checks) == len(data_tests)  # every data test ran, as a Dagster check
    failed = [(c.asset_key, c.check_name) for c in dbt_checks if not c.passed]
    assert failed == []
    counts = {
        e.asset_key.to_user_string(): e.asset_observation_data.asset_observation.metadata.get(
            "dagster/row_count"
        )
        for e in result.get_asset_observation_events()
    }
    con = duckdb.connect(str(built[1]), read_only=True)
    movements = con.execute("SELECT count(*) FROM marts.fct_mrr_movements").fetchone()[0]
    con.close()
    assert counts["marts/fct_mrr_movements"].value == movements > 0
    assert "staging/stg_crm__accounts" not in counts  # a view: not counted


def test_dbt_unit_tests_pass_against_the_built_warehouse(built, tmp_path):
    """The daily build leaves unit tests out (they test SQL, not data); here they run."""
    _, warehouse, _ = built
    results = run_dbt(["test", "--select", "test_type:unit"], warehouse, tmp_path)
    units = [r for r in results if r.node.resource_type == "unit_test"]
    assert len(units) >= 11 and all(r.status == "pass" for r in units)


def test_the_one_scan_not_null_test_fails_once_per_column_with_nulls(built, tmp_path):
    _, warehouse, _ = built
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    select = ["test", "--select", "not_null_int_orders"]
    failures = []
    for column in ("revenue", "account_id"):
        con = duckdb.connect(str(copy))
        con.execute(
            f"UPDATE intermediate.int_orders SET {column} = NULL "
            "WHERE order_id = (SELECT min(order_id) FROM intermediate.int_orders)"
        )
        con.close()
        results = run_dbt(select, copy, tmp_path, raise_on_failure=False)
        [test] = [r for r in results if r.node.resource_type == "test"]
        failures.append((test.status, test.failures))
    assert failures == [("fail", 1), ("fail", 2)]


def test_the_mart_tests_catch_a_broken_bridge_a_missing_month_and_a_missing_account(
    built, tmp_path
):
    _, warehouse, _ = built
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    con = duckdb.connect(str(copy))
    con.execute(
        "UPDATE marts.fct_mrr_movements SET ending_mrr = ending_mrr + 0.01 "
        "WHERE (account_id, month) = (SELECT (account_id, month) FROM marts.fct_mrr_movements "
        "ORDER BY account_id, month LIMIT 1)"
    )
    con.execute(
        "DELETE FROM marts.kpi_saas_monthly WHERE month = "
        "(SELECT month FROM marts.kpi_saas_monthly ORDER BY month LIMIT 1 OFFSET 2)"
    )
    con.execute(
        "DELETE FROM marts.customer_360 WHERE account_id = (SELECT min(account_id) "
        "FROM marts.customer_360)"
    )
    con.close()
    tests = {
        "mrr_bridge_closes_on_every_row",
        "consecutive_months_kpi_saas_monthly_month",
        "one_row_per_crm_account",
    }
    results = run_dbt(["test", "--select", *tests], copy, tmp_path, raise_on_failure=False)
    outcome = {
        r.node.name: (r.status, r.failures) for r in results if r.node.resource_type == "test"
    }
    assert outcome == {name: ("fail", 1) for name in tests}


def _exact_mrr_by_month(landing) -> dict:
    """MRR per month from the landing files in plain Python, with exact fractions."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    events = con.execute(
        f"SELECT subscription_id, account_id, event_type, effective_at::TIMESTAMP, "
        f"recorded_at::TIMESTAMP, event_id, "
        f"plan_id, quantity, discount_pct::VARCHAR FROM {read(landing, 'sub_subscription_events')} "
        "ORDER BY subscription_id, effective_at, recorded_at, event_id"
    ).fetchall()
    plans = {
        p: (Fraction(price), months, currency)
        for p, price, months, currency in con.execute(
            f"SELECT plan_id, unit_price::VARCHAR, billing_interval_months, currency "
            f"FROM {read(landing, 'sub_plans')}"
        ).fetchall()
    }
    rates = con.execute(
        f"SELECT currency, rate_date, rate_to_reporting::VARCHAR "
        f"FROM {read(landing, 'ref_fx_rates')} ORDER BY currency, rate_date"
    ).fetchall()
    as_of = max(e[4] for e in events).date()
    month = min(e[3] for e in events).date().replace(day=1)
    result = {}
    while month <= as_of:
        following = (month + timedelta(days=32)).replace(day=1)
        rate_day = min(following - timedelta(days=1), as_of)
        cutoff = datetime.combine(rate_day + timedelta(days=1), datetime.min.time())
        rate = {c: Fraction(r) for c, d, r in rates if d <= rate_day}  # latest wins (sorted)
        state = {}
        for sub, account, kind, effective, *_rest, plan, qty, disc in events:
            if effective < cutoff:
                state[sub] = (account, kind, plan, qty, Fraction(disc))
        by_account = {}
        for account, kind, plan, qty, disc in state.values():
            price, months, currency = plans[plan]
            mrr = 0 if kind == "cancelled" else price * qty * (1 - disc / 100) / months
            by_account[account] = by_account.get(account, 0) + mrr * rate[currency]
        exact = [Decimal(v.numerator) / Decimal(v.denominator) for v in by_account.values()]
        cents = sum(v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for v in exact)
        if sum(exact) > 0:
            result[month] = cents
        month = following
    return result


def test_mrr_equals_mrr_recomputed_from_the_events(built):
    _, warehouse, landing = built
    con = duckdb.connect(str(warehouse), read_only=True)
    marts = dict(
        con.execute("SELECT month, mrr FROM marts.kpi_saas_monthly WHERE mrr > 0").fetchall()
    )
    assert marts == _exact_mrr_by_month(landing)
    assert len(marts) >= 12


def test_the_bridge_closes_for_every_row_and_month(built):
    _, warehouse, _ = built
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute(
        "SELECT count(*) FILTER (WHERE starting_mrr + new_mrr + expansion_mrr + reactivation_mrr"
        " - contraction_mrr - churned_mrr + fx_adjustment_mrr <> ending_mrr), count(*) "
        "FROM marts.fct_mrr_movements"
    ).fetchone()
    assert rows[0] == 0 and rows[1] > 1000
    movements = dict(
        con.execute(
            "SELECT movement_type, count(*) FROM marts.fct_mrr_movements GROUP BY 1"
        ).fetchall()
    )
    assert {"new", "expansion", "contraction", "churn", "reactivation"} <= set(movements)


def test_every_model_and_column_is_documented_as_built(built):
    """The docs analysts read name exactly the columns each relation has, each described."""
    _, warehouse, _ = built
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text())
    con = duckdb.connect(str(warehouse), read_only=True)
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert len(models) >= 20
    for node in models:
        assert node["description"].strip(), f"{node['name']} has no description"
        built_columns = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [node["schema"], node["alias"] or node["name"]],
            ).fetchall()
        ]
        documented = list(node["columns"])
        assert documented == built_columns, node["name"]
        assert all(c["description"].strip() for c in node["columns"].values()), node["name"]


def test_a_daily_run_checks_the_usage_keys_its_deliveries_touched(built, tmp_path):
    """The first run tested whole tables and recorded it; a run that starts from that record
    checks only the keys of deliveries loaded after it, each against the whole table."""
    _, warehouse, _ = built
    con = duckdb.connect(str(warehouse), read_only=True)
    runs = con.execute(f"SELECT loaded_after, passed FROM {delivery_scoped_tests.TABLE}").fetchall()
    con.close()
    assert runs == [(None, True)]

    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    con = duckdb.connect(str(copy))
    after = delivery_scoped_tests.begin(con, "next", utc_now(), whole_tables=False)
    assert after is not None  # the run above passed on whole tables
    # a duplicate of a row no delivery since has touched, and one a new delivery brought
    con.execute("INSERT INTO raw.usage_daily SELECT * FROM raw.usage_daily LIMIT 1")
    con.execute(
        "INSERT INTO raw._deliveries VALUES (DATE '2099-01-01', 'x', 1, "
        "$at::TIMESTAMP + INTERVAL 1 SECOND, 'next')",
        {"at": after},
    )
    con.execute(
        "INSERT INTO raw.usage_daily SELECT * REPLACE (DATE '2099-01-01' AS _delivery_date) "
        "FROM raw.usage_daily ORDER BY account_id DESC, usage_date LIMIT 1"
    )
    con.close()
    select = ["test", "--select", "unique_combination_stg_usage__daily_account_id__usage_date"]

    def failures() -> int:
        results = run_dbt(select, copy, tmp_path, raise_on_failure=False)
        [test] = [r for r in results if r.node.resource_type == "test"]
        return test.failures

    assert failures() == 1  # the new delivery's key only
    con = duckdb.connect(str(copy))
    table = delivery_scoped_tests.TABLE
    con.execute(f"UPDATE {table} SET loaded_after = NULL WHERE run_id = 'next'")
    con.close()
    assert failures() == 2  # whole table
