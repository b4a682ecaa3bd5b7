"""Reruns change nothing; a delivery already loaded changes nothing; BI readers never fail
or see a half-published file; a run stopped by bad input keeps the last good serving file."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.reliability.conftest import copy_state
from tests.reliability.state import content, run
from upsell.sample_data.inject import inject


def test_three_runs_on_the_same_deliveries_give_identical_marts(clean_run):
    assert clean_run["success"] == [True, True, True]
    first, *later = clean_run["hashes"]
    assert {"marts.customer_360", "marts.fct_mrr_movements", "marts.kpi_saas_monthly",
            "marts.upsell_targets", "ml.propensity_scores"} <= set(first)  # fmt: skip
    assert all(rows > 0 for rows, _ in first.values() if rows is not None)
    assert later == [first, first]
    serving_first, *serving_later = clean_run["serving"]
    assert serving_later == [serving_first, serving_first]


def test_a_delivery_delivered_again_is_not_loaded_twice(clean_run):
    con = duckdb.connect(str(Path(clean_run["root"]) / "warehouse.duckdb"), read_only=True)
    deliveries = con.execute("SELECT count(*), count(DISTINCT delivery_date) FROM raw._deliveries")
    assert deliveries.fetchone() == (2, 2)
    manifest = con.execute("SELECT count(DISTINCT run_id) FROM raw._load_manifest").fetchone()
    assert manifest == (1,)  # every row was loaded by the first run
    con.close()


def test_bi_readers_never_fail_nor_see_a_half_published_file(clean_run):
    code, out, err = clean_run["reader"]
    assert code == 0, err
    reads = int(out.split("reads ")[1].split()[0])
    assert reads > 20, out
    assert "failures []" in out, out
    assert "publications 2" in out or "publications 3" in out, out  # it saw the file replaced


def test_the_serving_file_holds_only_marts_scores_and_what_was_published(clean_run):
    con = duckdb.connect(str(Path(clean_run["root"]) / "serving.duckdb"), read_only=True)
    schemas = {
        r[0] for r in con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()
    }
    con.close()
    assert schemas == {"marts", "ml", "meta"}  # no raw, staging or intermediate data
    assert not list(Path(clean_run["root"]).glob(".serving.duckdb.*"))
    assert not (Path(clean_run["root"]) / "serving.duckdb.wal").exists()


@pytest.mark.parametrize(
    "kind, stopped_at",
    [("unterminated_quote", "landing_zone_ingest"), ("null_key", "raw_suites")],
)
def test_bad_input_stops_the_run_and_keeps_the_last_good_serving_file(
    clean_run, tmp_path, kind, stopped_at
):
    """A rejected delivery fails ingestion; rows quarantined above the threshold fail a
    blocking raw check. Either way nothing downstream runs and BI tools keep the last file."""
    root = copy_state(Path(clean_run["root"]), tmp_path / "state")
    bad = root / "landing" / "2026-11-01"
    shutil.copytree(Path(clean_run["deliveries"][1]), bad)
    (bad / "_SUCCESS").unlink()
    inject(kind, bad)  # breaks one file of the new delivery, the way real exports break
    (bad / "_SUCCESS").write_bytes(b"")
    before = (root / "serving.duckdb").read_bytes()
    result = run(root, "daily_refresh", bad_row_threshold=0.0)
    assert not result.success
    failed_steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    blocked = [
        c.check_name for c in result.get_asset_check_evaluations()
        if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
    ]  # fmt: skip
    assert stopped_at in failed_steps or (stopped_at == "raw_suites" and blocked), (
        failed_steps,
        blocked,
    )
    published = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "serving/bi_duckdb" not in published
    assert (root / "serving.duckdb").read_bytes() == before
    assert content(root / "serving.duckdb") == clean_run["serving"][-1]
