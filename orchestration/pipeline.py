"""The daily job as the command line runs it: in-process, with progress and a short summary."""

from __future__ import annotations

import fcntl
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from dagster._core.definitions.repository_definition.valid_definitions import (
    SINGLETON_REPOSITORY_NAME,
)
from dagster._core.storage.tags import REPOSITORY_LABEL_TAG

from ml import registry
from orchestration.definitions import build_definitions
from orchestration.instance import dagster_home
from orchestration.summary import summary
from upsell.config import Settings
from upsell.errors import UpsellError


def run_daily(settings: Settings, verbose: bool = False) -> int:
    """The daily job; a first full run (training included) when no champion model exists."""
    has_champion = registry.champion(settings.model_dir) is not None
    return run_job(settings, "daily_refresh" if has_champion else "full_refresh", verbose)


class RunFailed(UpsellError):
    """A job that ran and failed: its reason in one line, the details in the run's log."""

    exit_code = 1


LOCATION = "account_upsell"  # workspace.yaml's location_name: the UI lists a job's runs by it
IN_PROCESS = {
    "upsell/launched_by": "upsell-cli",
    REPOSITORY_LABEL_TAG: f"{SINGLETON_REPOSITORY_NAME}@{LOCATION}",
}
LIVE = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def execute(settings: Settings, name: str, instance: dg.DagsterInstance, log_level: str = "INFO"):
    """Run job ``name`` in this process on ``instance``; failures are in the result."""
    job = build_definitions(settings).resolve_job_def(name)
    return job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        tags=IN_PROCESS,
    )


@contextmanager
def only_run(home: Path) -> Iterator[None]:
    """Hold the Dagster home's run lock: one `upsell run` at a time per installation."""
    with (home / "upsell-run.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UpsellError(f"another `upsell run` is in progress on {home}") from None
        yield


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Runs started in-process that still look live are dead (the lock says no other one is
    running): killed processes never release their warehouse pool slot, and the next run
    would wait for it for ever. Mark them failed and free their slots."""
    dead = instance.get_runs(filters=dg.RunsFilter(statuses=LIVE, tags=IN_PROCESS))
    for run in dead:
        instance.report_run_failed(run, "its process died (killed or crashed) before it ended")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
    return [run.run_id for run in dead]


# Dagster's console lines of step events (DEBUG), shown as progress without --verbose.
STEP_EVENT = re.compile(r" - (?P<step>[\w.]+) - (?P<event>STEP_START|STEP_SUCCESS|STEP_FAILURE) - ")
PROGRESS = {"STEP_START": "started", "STEP_SUCCESS": "done", "STEP_FAILURE": "failed"}


class RunLog:
    """Where a run's console output goes: every line to the run's log file; to the screen
    too with ``verbose``, otherwise only one line per step started, done or failed."""

    def __init__(self, path: Path, screen, verbose: bool):
        self.file = path.open("a", encoding="utf-8")
        self.screen, self.verbose, self.pending = screen, verbose, ""

    def write(self, text: str) -> int:
        self.file.write(text)
        if self.verbose:
            self.screen.write(text)
            return len(text)
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            match = STEP_EVENT.search(line)
            if match:
                self.screen.write(f"  {match['step']}: {PROGRESS[match['event']]}\n")
        return len(text)

    def flush(self) -> None:
        self.file.flush()
        self.screen.flush()

    def close(self) -> None:
        self.file.close()


@contextmanager
def root_logging_to(stream) -> Iterator[None]:
    """Python's root logger writes to ``stream`` for the run: libraries that configure it on
    import (dbt's tracker calls ``logging.basicConfig``) would print on the terminal."""
    root = logging.getLogger()
    before = root.handlers[:]
    root.handlers = [logging.StreamHandler(stream)]
    try:
        yield
    finally:
        root.handlers = before


def run_log_path(home: Path, name: str) -> Path:
    folder = home / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.log"


def run_job(settings: Settings, name: str, verbose: bool = False) -> int:
    """Run job ``name`` with its console output in a log file under DAGSTER_HOME; print the
    summary, and raise ``RunFailed`` with the first reason when the run failed."""
    home = dagster_home(settings)
    log_path = run_log_path(home, name)
    print(f"running {name} (Dagster home {home}; log {log_path})", flush=True)
    screen = sys.stdout
    log = RunLog(log_path, screen, verbose)
    try:
        with only_run(home), dg.DagsterInstance.get() as instance:
            for run_id in release_dead_runs(instance):
                print(f"run {run_id} had died; marked failed and its warehouse slot freed")
            with redirect_stdout(log), redirect_stderr(log), root_logging_to(log):
                result = execute(settings, name, instance, log_level="DEBUG")
    finally:
        log.close()
    if _interrupted(result):  # Dagster turns Ctrl-C into a failed step; the CLI says so
        raise KeyboardInterrupt
    reasons = failure_reasons(result)
    checks = result.get_asset_check_evaluations()
    failed = [c for c in checks if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR]
    warned = [c for c in checks if not c.passed and c.severity == dg.AssetCheckSeverity.WARN]
    print(
        f"checks: {len(checks) - len(failed) - len(warned)} passed, {len(warned)} warned, "
        f"{len(failed)} failed"
    )
    by_text: dict[str, list[str]] = {}
    for c in failed + warned:
        label = "error" if c in failed else "warning"
        by_text.setdefault(f"{label}: {check_text(c)}", []).append("/".join(c.asset_key.path))
    for text, assets in by_text.items():
        where = assets[0] if len(assets) == 1 else f"{len(assets)} tables"
        print(f"  {where}: {text}")
    summary(settings)
    if result.success:
        return 0
    if failed:  # a failed blocking check is the cause; the steps it stopped are its effect
        reasons = [f"{'/'.join(c.asset_key.path)}: {check_text(c)}" for c in failed]
    first = reasons[0] if reasons else "the run failed"
    more = f" (and {len(reasons) - 1} more above)" if len(reasons) > 1 else ""
    raise RunFailed(f"{first}{more}; details in {log_path}")


def check_text(check: dg.AssetCheckEvaluation) -> str:
    """A check's result in words; dbt's tests carry no description, only their name and
    how many rows failed."""
    if check.description:
        return check.description
    failures = check.metadata.get("dagster_dbt/failed_row_count") or check.metadata.get("failures")
    count = f": {failures.value} failing rows" if failures is not None else ""
    return f"dbt test {check.check_name} failed{count}"


def _innermost(error):
    while error.cause is not None:
        error = error.cause
    return error


def _interrupted(result) -> bool:
    return any(
        event.event_type_value == "STEP_FAILURE"
        and event.event_specific_data.error is not None
        and _innermost(event.event_specific_data.error).cls_name
        == "DagsterExecutionInterruptedError"
        for event in result.all_events
    )


def failure_reasons(result) -> list[str]:
    """One line per failed step: the step and the innermost error's message (a raised
    ``dg.Failure`` or ``UpsellError`` is already in words)."""
    reasons = []
    for event in result.all_events:
        if event.event_type_value != "STEP_FAILURE":
            continue
        data = event.event_specific_data
        if data.user_failure_data is not None and data.user_failure_data.description:
            text = data.user_failure_data.description
        else:
            error = _innermost(data.error)
            text = error.message.strip().splitlines()[0] if error.message else error.cls_name
            if error.cls_name in ("UpsellError", "LandingFileError", "Failure"):
                text = text.split(": ", 1)[-1]
        reasons.append(f"{event.step_key}: {text}")
    return reasons
