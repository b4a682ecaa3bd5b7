"""Write-audit-publish end to end: the whole graph publishes a serving file BI tools can read
(even while a run replaces it), a new delivery updates it, and a failing check upstream leaves
the last good file in place."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from datetime import date

import dagster as dg
import duckdb
import pytest
from dagster_dbt import DbtCliResource

from orchestration.defs.ingest import landing_zone_ingest
from orchestration.defs.mart_checks import mart_suites
from orchestration.defs.model import propensity_model, propensity_scores
from orchestration.defs.raw_checks import raw_suites
from orchestration.defs.serving import serving_file
from orchestration.defs.transform import DBT_EXECUTABLE, DBT_PROJECT, dbt_models
from orchestration.resources import Warehouse
from orchestration.sample_data import generate
from orchestration.sample_data.simulate import Options

ASSETS = [landing_zone_ingest, raw_suites, dbt_models, mart_suites, propensity_model,
          propensity_scores, serving_file]  # fmt: skip
READER = textwrap.dedent(
    """
    import os, sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print("ready", flush=True)
    seen = set()
    deadline = time.time() + 600  # a bound, in case the test dies before asking it to stop
    while not os.path.exists(sys.argv[2]) and time.time() < deadline:
        seen.add(str(con.execute("SELECT published_at FROM meta.publication").fetchone()[0]))
        con.execute("SELECT count(*), sum(mrr) FROM marts.kpi_saas_monthly").fetchone()
        time.sleep(0.05)
    print("seen", sorted(seen), flush=True)
    """
)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("serving")
    end = date.today()
    opts = Options(accounts=1200, months=12, seed=31, end_date=end, deliveries=1)
    generate(opts, root / "generated", root / "truth")
    first, second = sorted((root / "generated").iterdir())
    shutil.copytree(first, root / "landing" / first.name)
    resources = {
        "warehouse": Warehouse(
            path=str(root / "warehouse.duckdb"),
            landing_dir=str(root / "landing"),
            model_dir=str(root / "models"),
            serving=str(root / "serving.duckdb"),
        ),
        "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE),
    }
    return root, resources, second


def _run(resources):
    return dg.materialize(ASSETS, resources=resources, raise_on_error=False)


def _published_at(path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return str(con.execute("SELECT published_at FROM meta.publication").fetchone()[0])
    finally:
        con.close()


def test_publish_update_and_keep_the_last_good_file(setup):
    root, resources, second = setup
    serving = root / "serving.duckdb"

    first_run = _run(resources)
    assert first_run.success
    errors = [
        (c.asset_key.to_user_string(), c.check_name)
        for c in first_run.get_asset_check_evaluations()
        if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert errors == []
    mart_checks = [
        c for c in first_run.get_asset_check_evaluations() if c.check_name == "gx_mart_suite"
    ]
    assert len(mart_checks) == 3 and all(c.passed for c in mart_checks)
    con = duckdb.connect(str(serving), read_only=True)
    listed = con.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables"
    ).fetchall()
    tables = {r[0] for r in listed}
    assert {"marts.customer_360", "marts.fct_mrr_movements", "marts.kpi_saas_monthly",
            "marts.upsell_targets", "ml.propensity_scores"} <= tables  # fmt: skip
    assert not any(t.startswith(("raw.", "staging.", "intermediate.")) for t in tables)
    con.close()
    assert not list(root.glob(".serving.duckdb.*")) and not (root / "serving.duckdb.wal").exists()
    before = _published_at(serving)

    # A BI tool holds the serving file open while the next delivery is loaded and published.
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(serving), str(root / "stop-reading")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert reader.stdout.readline().strip() == "ready"
    shutil.copytree(second, root / "landing" / second.name)
    second_run = _run(resources)
    assert second_run.success
    (root / "stop-reading").write_text("")
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    assert f"seen ['{before}']" in out  # its snapshot stayed whole and readable throughout
    after = _published_at(serving)
    assert after > before  # a new connection sees the new publication
    con = duckdb.connect(str(serving), read_only=True)
    assert con.execute("SELECT max(month) FROM marts.kpi_saas_monthly").fetchone()[0] is not None
    con.close()

    # A delivery that breaks a blocking check (a plan in a currency without FX rates makes MRR
    # unconvertible): the run fails before publishing and the last good file stays.
    bad = root / "landing" / "2099-01-01"
    bad.mkdir()
    (bad / "sub_plans.csv").write_text(
        "plan_id,plan_name,tier,billing_interval_months,currency,unit_price\n"
        "pro-monthly-chf,Pro monthly (CHF),2,1,CHF,30.00\n"
    )
    events = (
        duckdb.connect()
        .execute(
            f"SELECT subscription_id, account_id FROM read_csv('{root}/generated/*/"
            "sub_subscription_events.csv') WHERE event_type = 'created' LIMIT 1"
        )
        .fetchone()
    )
    (bad / "sub_subscription_events.csv").write_text(
        "event_id,subscription_id,account_id,event_type,effective_at,plan_id,quantity,"
        "discount_pct,recorded_at\n"
        f"E999999999,{events[0]},{events[1]},plan_changed,{date.today()}T00:00:01Z,"
        f"pro-monthly-chf,3,0,{date.today()}T00:00:02Z\n"
    )
    (bad / "_SUCCESS").write_bytes(b"")
    bytes_before = serving.read_bytes()
    third_run = _run(resources)
    assert not third_run.success
    failed = [
        c.check_name for c in third_run.get_asset_check_evaluations()
        if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
    ]  # fmt: skip
    assert any("fx_rate" in name for name in failed), failed
    published = {e.asset_key for e in third_run.get_asset_materialization_events()}
    assert serving_file.key not in published
    assert serving.read_bytes() == bytes_before
