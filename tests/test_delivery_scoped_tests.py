"""Which rows the daily run's delivery-scoped data tests read
(orchestration/dbt/delivery_scoped_tests.py)."""

import json
from datetime import datetime, timedelta

import duckdb

from orchestration.dbt import delivery_scoped_tests
from orchestration.dbt.delivery_scoped_tests import DataTestRun, scope
from orchestration.dbt.project import DBT_PROJECT

NOW = datetime(2026, 11, 28, 6)
DAY = timedelta(days=1)


def run(started_at, loaded_through, whole=False, passed=True):
    return DataTestRun(None if whole else NOW - 30 * DAY, loaded_through, started_at, passed)


def test_whole_tables_until_a_run_has_passed_on_them():
    assert scope([], NOW) is None
    assert scope([run(NOW - DAY, NOW - DAY, whole=True, passed=False)], NOW) is None
    assert scope([run(NOW - DAY, NOW - DAY)], NOW) is None  # scoped passes alone


def test_the_changed_keys_since_the_newest_load_a_passing_run_covered():
    runs = [
        run(NOW - 3 * DAY, NOW - 3 * DAY, whole=True),
        run(NOW - 2 * DAY, NOW - 2 * DAY),
        run(NOW - DAY, NOW - DAY, passed=False),  # failed: its loads are tested again
    ]
    assert scope(runs, NOW) == NOW - 2 * DAY


def test_whole_tables_again_a_week_after_the_last_whole_pass():
    runs = [run(NOW - 8 * DAY, NOW - 8 * DAY, whole=True), run(NOW - DAY, NOW - DAY)]
    assert scope(runs, NOW) is None
    assert scope(runs, NOW, whole_every=9 * DAY) == NOW - DAY


def test_begin_records_the_scope_and_mark_passed_the_outcome():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw._deliveries (delivery_date DATE, loaded_at TIMESTAMP)")
    con.execute("INSERT INTO raw._deliveries VALUES ('2026-11-27', $at)", {"at": NOW - DAY})
    assert delivery_scoped_tests.begin(con, "a", NOW - DAY, whole_tables=False) is None
    delivery_scoped_tests.mark_passed(con, "a")
    assert delivery_scoped_tests.begin(con, "b", NOW, whole_tables=False) == NOW - DAY
    assert delivery_scoped_tests.begin(con, "c", NOW, whole_tables=True) is None
    table = delivery_scoped_tests.TABLE
    rows = con.execute(f"SELECT run_id, passed FROM {table} ORDER BY run_id").fetchall()
    assert rows == [("a", True), ("b", False), ("c", False)]


def test_the_usage_uniqueness_test_is_the_scoped_one_and_alone_reads_the_deliveries():
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text())
    scoped = delivery_scoped_tests.scoped_tests(manifest)
    assert scoped == {"unique_combination_stg_usage__daily_account_id__usage_date"}
    on_deliveries = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and "source.account_upsell.raw._deliveries" in node["depends_on"]["nodes"]
    }
    assert on_deliveries == scoped  # other uniqueness tests keep their model as only parent
