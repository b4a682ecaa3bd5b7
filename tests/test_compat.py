"""Each private API that ``upsell/compat/`` relies on still exists and behaves as assumed: an
upgrade of Dagster, dagster-dbt, dbt-duckdb, Great Expectations or scikit-learn that breaks a
patch fails here, by name, before it slows down or breaks a run."""

from __future__ import annotations

import inspect
import subprocess
import sys
import threading
from functools import cached_property
from importlib.metadata import version

import numpy as np
import pandas as pd
import pytest


def test_importing_the_domain_package_imports_no_dagster():
    modules = [
        "upsell",
        "upsell.config",
        "upsell.compat",
        "upsell.compat.dagster_cron",
        "upsell.compat.dbt_duckdb",
        "upsell.compat.great_expectations",
    ]
    code = (
        f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dagster', 'dagster_dbt', 'great_expectations', 'dbt')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_checked_versions_are_the_installed_ones():
    """The docstrings name the versions checked; a different one is a prompt to re-check them
    (and this file) and update the docstrings."""
    from upsell import compat
    from upsell.compat import dagster_cron, dbt_duckdb, great_expectations, sklearn_hgb

    checked = {
        dagster_cron: ["dagster"],
        dbt_duckdb: ["dbt-duckdb", "dbt-core"],
        great_expectations: ["great_expectations"],
        sklearn_hgb: ["scikit-learn"],
    }
    assert compat.__doc__
    for module, packages in checked.items():
        for package in packages:
            assert f"{package} {version(package)}" in module.__doc__, (module, package)


# Dagster's SQLite event log


def test_the_event_log_overrides_methods_the_sqlite_storage_still_has():
    from dagster._core.storage import sqlite
    from dagster._core.storage.event_log import SqliteEventLogStorage

    from upsell.compat import dagster_event_log

    assert f"dagster {version('dagster')}" in dagster_event_log.__doc__
    assert f"SQLAlchemy {version('SQLAlchemy')}" in dagster_event_log.__doc__
    assert isinstance(sqlite.SQLITE_BUSY_TIMEOUT_SECONDS, int | float)
    parent = SqliteEventLogStorage
    assert str(inspect.signature(parent._connect)).startswith("(self, shard: str)")
    assert inspect.isgeneratorfunction(inspect.unwrap(parent._connect))  # a context manager
    assert list(inspect.signature(parent.__init__).parameters) == ["self", "base_dir", "inst_data"]
    assert list(inspect.signature(parent._initdb).parameters)[:2] == ["self", "engine"]
    assert list(inspect.signature(parent.conn_string_for_shard).parameters) == [
        "self",
        "shard_name",
    ]
    for name in ("wipe", "dispose", "from_config_value"):
        assert callable(getattr(parent, name)), name
    # every read and write of the parent goes through _connect
    source = inspect.getsource(parent)
    assert "def run_connection" in source and "def index_connection" in source
    assert source.count("self._connect(") >= 2


def test_the_event_log_sees_the_parent_state_it_shares(tmp_path):
    from dagster._core.storage.event_log import SqliteEventLogStorage

    from upsell.compat.dagster_event_log import PooledSqliteEventLogStorage

    storage = PooledSqliteEventLogStorage(str(tmp_path))
    try:
        assert isinstance(storage, SqliteEventLogStorage)
        assert isinstance(storage._db_lock, type(threading.RLock()) | type(threading.Lock()))
        assert isinstance(storage._initialized_dbs, set)
        assert storage.conn_string_for_shard("index").startswith("sqlite:///")
        with storage.index_connection() as conn:  # through the overridden _connect
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert "index" in storage._engines
    finally:
        storage.dispose()
    assert not storage._engines


def test_existing_dagster_yaml_files_still_name_a_working_event_log():
    from orchestration import event_log
    from orchestration.instance import INSTANCE_SETTINGS
    from upsell.compat import dagster_event_log

    assert event_log.PooledSqliteEventLogStorage is dagster_event_log.PooledSqliteEventLogStorage
    assert "module: upsell.compat.dagster_event_log" in INSTANCE_SETTINGS


# dagster-dbt's CLI resource


def test_the_dbt_resource_overrides_what_dagster_dbt_still_calls():
    from dagster_dbt import DbtCliResource

    from upsell.compat import dagster_dbt

    assert f"dagster-dbt {version('dagster-dbt')}" in dagster_dbt.__doc__
    assert f"dbt-core {version('dbt-core')}" in dagster_dbt.__doc__
    assert isinstance(inspect.getattr_static(DbtCliResource, "_cli_version"), cached_property)
    overridden = DbtCliResource._initialize_dbt_core_adapter
    assert list(inspect.signature(overridden).parameters) == ["self", "args"]
    cli = inspect.getsource(DbtCliResource.cli)
    # the version decides whether an adapter is set up; None is passed on as "no adapter"
    assert "self._cli_version" in cli
    assert "adapter = self._initialize_dbt_core_adapter(args)" in cli
    assert "adapter: BaseAdapter | None = None" in cli


def test_the_dbt_resource_reads_the_version_without_a_subprocess(monkeypatch):
    import dagster_dbt.core.resource as resource

    from orchestration.dbt.runs import dbt_resource

    def no_subprocess(*args, **kwargs):
        raise AssertionError("dbt --version was run")

    monkeypatch.setattr(resource, "check_output", no_subprocess)
    dbt = dbt_resource()
    assert version("dbt-core").startswith(str(dbt._cli_version))
    assert dbt._initialize_dbt_core_adapter(["build"]) is None


# dbt-duckdb's connection manager


def test_dbt_duckdbs_process_wide_database_is_where_it_is_released():
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    assert "_ENV" in vars(DuckDBConnectionManager)
    assert inspect.ismethod(DuckDBConnectionManager.close_all_connections)  # a classmethod
    assert list(inspect.signature(DuckDBConnectionManager.close_all_connections).parameters) == []


def test_releasing_closes_the_database_dbt_duckdb_opened(tmp_path):
    import duckdb

    from orchestration.dbt.runs import run_dbt

    warehouse = tmp_path / "w.duckdb"
    run_dbt(["run-operation", "ensure_scores_table"], warehouse, tmp_path)  # released after
    # another process can open the file for writing: this one holds no lock on it
    code = f"import duckdb; duckdb.connect({str(warehouse)!r}).close()"
    subprocess.run([sys.executable, "-c", code], check=True)
    duckdb.connect(str(warehouse)).close()


# Great Expectations' hash threshold


def test_gx_still_hashes_frames_under_the_threshold_it_is_given():
    from great_expectations.execution_engine import pandas_execution_engine

    from upsell.compat.great_expectations import disable_batch_hashing

    assert isinstance(pandas_execution_engine.HASH_THRESHOLD, int | float)
    source = inspect.getsource(pandas_execution_engine)
    assert "< HASH_THRESHOLD" in source  # read at each batch, not copied at import
    disable_batch_hashing()
    assert pandas_execution_engine.HASH_THRESHOLD == 0


# scikit-learn's HistGradientBoosting internals


@pytest.fixture(scope="module")
def fitted():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {"x": rng.normal(size=2000), "y": rng.normal(size=2000), "c": rng.integers(0, 4, 2000)}
    )
    label = (frame["x"] + (frame["c"] == 2) + rng.normal(size=2000) / 2) > 0.5
    model = HistGradientBoostingClassifier(max_iter=30, categorical_features=[False, False, True])
    return model.fit(frame.to_numpy(float), label), frame.to_numpy(float)


def test_the_trees_summed_are_the_probabilities_scikit_learn_predicts(fitted):
    from scipy.special import expit

    from upsell.compat.sklearn_hgb import binary_trees

    model, matrix = fitted
    hgb = binary_trees(model, matrix.shape[1])
    assert hgb is not None and len(hgb.trees) == model.n_iter_
    assert list(hgb.inner) == [1, 2, 0]  # the categorical column is read first
    rows = hgb.preprocess(matrix)
    raw = np.zeros(len(rows)) + hgb.baseline
    for tree in hgb.trees:
        raw += hgb.predict(tree, rows)
    assert np.array_equal(expit(raw), model.predict_proba(matrix)[:, 1])
    assert set().union(*hgb.splits_on()) == {0, 1, 2}


def test_any_other_model_has_no_trees(fitted):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    from upsell.compat.sklearn_hgb import binary_trees

    _, matrix = fitted
    labels = np.arange(len(matrix)) % 3
    assert binary_trees(LogisticRegression().fit(matrix, labels > 0), 3) is None
    multi = HistGradientBoostingClassifier(max_iter=3).fit(matrix, labels)
    assert binary_trees(multi, 3) is None


# Dagster's cron parser


def test_dagsters_cron_parser_accepts_five_fields_only():
    from dagster._utils.schedules import is_valid_cron_string

    from upsell.compat.dagster_cron import is_valid_cron

    assert list(inspect.signature(is_valid_cron_string).parameters) == ["cron_string"]
    assert is_valid_cron("0 6 * * *") and is_valid_cron("30 2 * * 1-5")
    assert not is_valid_cron("0 6 * *") and not is_valid_cron("daily")
