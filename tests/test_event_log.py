"""The event log storage `upsell` configures keeps Dagster's behaviour: every event of every
run is stored and readable by another process's instance (the UI), with a bounded number of
open database files, and wiping it leaves it usable."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration.instance import dagster_home
from upsell.compat import dagster_event_log as event_log
from upsell.compat.dagster_event_log import PooledSqliteEventLogStorage


@dg.asset
def numbers() -> list[int]:
    return [1, 2, 3]


@dg.asset_check(asset=numbers)
def has_three(numbers: list[int]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=len(numbers) == 3)


JOB = dg.Definitions(
    assets=[numbers], asset_checks=[has_three]
).resolve_implicit_global_asset_job_def()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    return dagster_home()


def test_runs_are_stored_and_read_back_by_a_second_instance(home):
    with dg.DagsterInstance.get() as writer:
        assert isinstance(writer.event_log_storage, PooledSqliteEventLogStorage)
        runs = [JOB.execute_in_process(instance=writer) for _ in range(event_log.OPEN_FILES + 2)]
        assert all(r.success for r in runs)
        # more files than it keeps open (the runs and the index): the oldest were closed
        assert len(writer.event_log_storage._engines) == event_log.OPEN_FILES
        written = {r.run_id: len(writer.all_logs(r.run_id)) for r in runs}
        # a second instance on the same home, as the UI's process, while the first is open
        with dg.DagsterInstance.from_config(str(home)) as reader:
            for run in runs:
                events = reader.all_logs(run.run_id)
                assert len(events) == written[run.run_id] > 10
                assert events[-1].dagster_event.event_type_value == "PIPELINE_SUCCESS"
            latest = reader.get_latest_materialization_event(dg.AssetKey("numbers"))
            assert latest.run_id == runs[-1].run_id
            check = reader.event_log_storage.get_latest_asset_check_execution_by_key(
                [has_three.check_key]
            )[has_three.check_key]
            assert check.run_id == runs[-1].run_id


def test_wiping_the_event_log_leaves_it_usable(home):
    with dg.DagsterInstance.get() as instance:
        first = JOB.execute_in_process(instance=instance)
        instance.event_log_storage.wipe()
        assert instance.all_logs(first.run_id) == []
        second = JOB.execute_in_process(instance=instance)
        assert second.success
        assert instance.get_latest_materialization_event(dg.AssetKey("numbers")).run_id == (
            second.run_id
        )
