"""The ingestion assets, their Great Expectations checks and the delivery sensor in Dagster."""

from __future__ import annotations

import json
from datetime import date, timedelta

import dagster as dg
import duckdb
import pytest

from orchestration.defs.ingest import landing_zone_ingest, new_delivery_sensor, raw_key
from orchestration.defs.raw_checks import (
    CHECK,
    FRESHNESS_CHECK,
    latest_delivery_is_fresh,
    raw_suites,
)
from orchestration.resources import Installation
from upsell.contract import TABLES
from upsell.ingest.rules import VERSIONED
from upsell.quality import gx_suites
from upsell.quality.freshness import FRESH_DAYS, Freshness
from upsell.sample_data import generate
from upsell.sample_data.simulate import Options
from upsell.warehouse import connect


@dg.asset(deps=[raw_key(t) for t in TABLES], group_name="test")
def downstream_of_raw() -> int:
    """Stands in for the dbt models: it must not run when a raw check blocks."""
    return 1


def _materialize(landing, warehouse_path):
    resource = Installation(path=str(warehouse_path), landing_dir=str(landing))
    return dg.materialize(
        [landing_zone_ingest, raw_suites, latest_delivery_is_fresh, downstream_of_raw],
        resources={"installation": resource},
        raise_on_error=False,
    )


def test_materializes_every_raw_table_with_metadata_and_passing_checks(tmp_path):
    opts = Options(accounts=200, months=3, seed=8, end_date=date.today(), deliveries=1)
    generate(opts, tmp_path / "landing", tmp_path / "truth")
    result = _materialize(tmp_path / "landing", tmp_path / "w.duckdb")
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    history = [f"{t}__history" for t in VERSIONED]
    expected = {raw_key(t) for t in [*TABLES, *history, "_deliveries"]}
    expected |= {dg.AssetKey("downstream_of_raw")}
    assert materialized == expected
    checks = result.get_asset_check_evaluations()
    # a suite per table, nothing left unread, and the deliveries fresh
    assert len(checks) == len(TABLES) + 2
    assert all(c.passed for c in checks), [c.description for c in checks if not c.passed]
    meta = next(
        e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.asset_key == raw_key("crm_accounts")
    )
    # every record of both deliveries loaded; a key re-sent in the daily one is one row
    sent = (
        duckdb.connect()
        .execute(
            "SELECT count(*), count(DISTINCT account_id) FROM read_csv(?, all_varchar = true)",
            [sorted(str(p) for p in (tmp_path / "landing").glob("*/crm_accounts.csv"))],
        )
        .fetchone()
    )
    assert (meta["rows_loaded"].value, meta["dagster/row_count"].value) == sent
    assert sent[1] > 0
    assert meta["deliveries_loaded"].value == [
        (date.today() - timedelta(days=1)).isoformat(),
        date.today().isoformat(),
    ]
    assert "email" not in meta["preview"].value  # no PII in the UI


def test_a_failing_error_level_check_stops_downstream_assets(tmp_path):
    # 3 unknown priorities in a one-day delivery of a few tickets: far above the 5 % threshold.
    opts = Options(accounts=300, months=4, seed=2, end_date=date.today(), deliveries=1)
    generate(opts, tmp_path / "landing", tmp_path / "truth", injections=("unknown_enum",))
    result = _materialize(tmp_path / "landing", tmp_path / "w.duckdb")
    assert not result.success
    failed = [c for c in result.get_asset_check_evaluations() if not c.passed]
    assert [c.asset_key for c in failed] == [raw_key("crm_support_tickets")]
    assert failed[0].severity == dg.AssetCheckSeverity.ERROR
    assert "quarantined share" in json.dumps(failed[0].metadata["failures"].value)
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey("downstream_of_raw") not in materialized
    assert raw_key("crm_support_tickets") in materialized


def test_gx_suite_finds_bad_values_that_reach_raw(tmp_path):
    opts = Options(accounts=100, months=2, seed=8)
    generate(opts, tmp_path / "landing", tmp_path / "truth")
    resource = Installation(path=str(tmp_path / "w.duckdb"), landing_dir=str(tmp_path / "landing"))
    assert dg.materialize([landing_zone_ingest], resources={"installation": resource}).success
    con = connect(tmp_path / "w.duckdb")
    con.execute("UPDATE raw.crm_accounts SET segment = 'galactic' WHERE account_id = 'A0000001'")
    con.execute(
        "UPDATE raw.crm_contacts SET account_id = 'A7777777' WHERE contact_id = 'C00000001'"
    )
    accounts = gx_suites.validate_table(con, "crm_accounts")
    contacts = gx_suites.validate_table(con, "crm_contacts")
    assert not accounts.passed and not contacts.passed
    assert accounts.failed_errors[0]["sample"] == ["galactic"]
    assert contacts.failed_errors[0]["sample"] == ["A7777777"]
    # a DECIMAL column reaches GX as a number (rates must be > 0)
    con.execute("UPDATE raw.ref_fx_rates SET rate_to_reporting = 0 WHERE currency = 'USD'")
    rates = gx_suites.validate_table(con, "ref_fx_rates")
    assert [f["column"] for f in rates.failed_errors] == ["rate_to_reporting"]


def test_gx_does_not_fingerprint_the_frames_it_validates(monkeypatch):
    import pandas as pd
    from great_expectations.execution_engine import pandas_execution_engine

    def refuse(frame):
        raise AssertionError("GX hashed a whole frame")

    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", refuse)
    suite = {
        "name": "s",
        "expectations": [gx_suites._exp("expect_column_values_to_not_be_null", column="a")],
    }
    assert gx_suites.validate_frame(pd.DataFrame({"a": [1, 2]}), suite, {}, "t").passed


def test_gx_suite_validates_the_rows_of_the_latest_load(tmp_path):
    opts = Options(accounts=100, months=2, seed=8, deliveries=1)
    generate(opts, tmp_path / "all", tmp_path / "truth")
    first, second = sorted(p for p in (tmp_path / "all").iterdir() if p.is_dir())
    (tmp_path / "landing").mkdir()
    resource = Installation(path=str(tmp_path / "w.duckdb"), landing_dir=str(tmp_path / "landing"))
    for delivery in (first, second):
        delivery.rename(tmp_path / "landing" / delivery.name)
        assert dg.materialize([landing_zone_ingest], resources={"installation": resource}).success
    con = connect(tmp_path / "w.duckdb")
    # An earlier load's row, changed behind the loader's back, is not revalidated...
    con.execute(
        "UPDATE raw.usage_daily SET active_users = -1 WHERE _run_id = "
        "(SELECT arg_min(_run_id, _loaded_at) FROM raw.usage_daily)"
    )
    usage = gx_suites.validate_table(con, "usage_daily")
    latest = con.execute(
        "SELECT count(*) FROM raw.usage_daily WHERE _delivery_date = ?", [second.name]
    ).fetchone()[0]
    assert usage.passed and 0 < usage.validated_rows == latest < usage.rows
    # ...the latest load's are.
    con.execute(
        f"UPDATE raw.usage_daily SET active_users = -1 WHERE _delivery_date = '{second.name}'"
    )
    assert not gx_suites.validate_table(con, "usage_daily").passed
    con.close()


def test_suite_files_are_generated_from_the_contract_and_do_not_churn(tmp_path):
    written = gx_suites.write_suites(tmp_path)
    for path in written:
        committed = gx_suites.SUITE_DIR / path.name
        assert committed.read_text() == path.read_text(), f"regenerate {committed.name}"
    assert sorted(p.name for p in gx_suites.SUITE_DIR.glob("*.json")) == sorted(
        p.name for p in written
    )
    assert len(written) == len(TABLES)


def test_a_stale_landing_zone_warns_once_and_a_fresh_one_passes(tmp_path):
    stale_opts = Options(accounts=50, months=2, seed=8, end_date=date.today() - timedelta(days=3))
    fresh_opts = Options(accounts=50, months=2, seed=8, end_date=date.today(), deliveries=1)
    outcomes = []
    for name, opts in (("stale", stale_opts), ("fresh", fresh_opts)):
        generate(opts, tmp_path / name / "landing", tmp_path / name / "truth")
        result = _materialize(tmp_path / name / "landing", tmp_path / name / "w.duckdb")
        assert result.success  # a warning blocks nothing
        failed = [c for c in result.get_asset_check_evaluations() if not c.passed]
        outcomes.append([(c.asset_key, c.check_name, c.severity) for c in failed])
    stale_key = (raw_key("_deliveries"), FRESHNESS_CHECK, dg.AssetCheckSeverity.WARN)
    assert outcomes == [[stale_key], []]


def test_freshness_counts_days_from_the_latest_delivery():
    today = date(2026, 11, 10)
    assert Freshness(today - timedelta(days=FRESH_DAYS), today).fresh
    assert not Freshness(today - timedelta(days=FRESH_DAYS + 1), today).fresh
    assert not Freshness(None, today).fresh
    assert (
        Freshness(date(2026, 11, 7), today)
        .describe()
        .startswith("stale: the latest delivery is 2026-11-07, 3 days old")
    )


def test_sensor_requests_one_run_per_new_complete_delivery(tmp_path):
    opts = Options(accounts=50, months=2, seed=8, deliveries=1)
    generate(opts, tmp_path / "landing", tmp_path / "truth")
    resource = Installation(path=str(tmp_path / "w.duckdb"), landing_dir=str(tmp_path / "landing"))
    with dg.instance_for_test() as instance:
        ctx = dg.build_sensor_context(instance=instance, resources={"installation": resource})
        first = new_delivery_sensor(ctx)
        assert isinstance(first, dg.RunRequest)
        assert first.run_key == f"delivery-{opts.end_date.isoformat()}"
        ctx = dg.build_sensor_context(
            instance=instance,
            cursor=opts.end_date.isoformat(),
            resources={"installation": resource},
        )
        assert isinstance(new_delivery_sensor(ctx), dg.SkipReason)
        incomplete = tmp_path / "landing" / "2026-11-01"
        incomplete.mkdir()
        assert isinstance(new_delivery_sensor(ctx), dg.SkipReason)
        (incomplete / "_SUCCESS").write_bytes(b"")
        assert new_delivery_sensor(ctx).run_key == "delivery-2026-11-01"


def test_definitions_load():
    from orchestration.definitions import defs

    dg.Definitions.validate_loadable(defs)
    job = defs.resolve_job_def("daily_refresh")
    assert job is not None
    assert {s.name for s in defs.sensors} == {"new_delivery_sensor"}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_raw_asset_has_a_blocking_suite_check(table):
    specs = {s.key for s in raw_suites.check_specs if s.blocking}
    assert dg.AssetCheckKey(raw_key(table), CHECK) in specs
