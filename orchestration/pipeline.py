"""The daily job as the command line runs it: in-process, with progress and a short summary."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from ml import registry
from orchestration.config import Settings
from orchestration.definitions import build_definitions
from orchestration.errors import UpsellError
from orchestration.ingest.loader import connect

INSTANCE_SETTINGS = """# Written by `upsell` on first use.
# One writer at a time on the warehouse (the pool of every asset that writes it).
concurrency:
  pools:
    default_limit: 1
# Dagster's SQLite event log in its default folder, with connections kept open between events
# (orchestration/event_log.py: about 10 s less per daily run).
event_log_storage:
  module: orchestration.event_log
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {runs}
"""


def dagster_home(settings: Settings | None = None) -> Path:
    """$DAGSTER_HOME, or a folder beside the warehouse: runs persist and show in `make dev`.
    Its ``dagster.yaml`` is written when missing, never changed."""
    env = os.environ.get("DAGSTER_HOME")
    home = Path(env) if env else (settings or Settings.from_env()).warehouse.parent / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        runs = (home / "history" / "runs").resolve()  # where Dagster keeps them by default
        (home / "dagster.yaml").write_text(INSTANCE_SETTINGS.format(runs=json.dumps(str(runs))))
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def run_daily(settings: Settings) -> int:
    """The daily job; a first full run (training included) when no champion model exists."""
    has_champion = registry.champion(settings.model_dir) is not None
    return run_job(settings, "daily_refresh" if has_champion else "full_refresh")


def execute(settings: Settings, name: str, instance: dg.DagsterInstance):
    """Run job ``name`` in this process on ``instance``; failures are in the result."""
    job = build_definitions(settings).resolve_job_def(name)
    return job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        tags=IN_PROCESS,
    )


IN_PROCESS = {"upsell/launched_by": "upsell-cli"}
LIVE = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


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


def run_job(settings: Settings, name: str) -> int:
    home = dagster_home(settings)
    print(f"running {name} (Dagster home {home})")
    with only_run(home), dg.DagsterInstance.get() as instance:
        for run_id in release_dead_runs(instance):
            print(f"run {run_id} had died; marked failed and its warehouse slot freed")
        result = execute(settings, name, instance)
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            print(f"failed: {event.step_key}: {event.event_specific_data.error.message.strip()}")
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
        by_text.setdefault(f"{label}: {c.description}", []).append("/".join(c.asset_key.path))
    for text, assets in by_text.items():
        where = assets[0] if len(assets) == 1 else f"{len(assets)} tables"
        print(f"  {where}: {text}")
    _summary(settings)
    return 0 if result.success else 1


def _summary(settings: Settings) -> None:
    if not settings.warehouse.exists():
        return
    con = connect(settings.warehouse)  # same configuration as the job's connections
    try:
        layers = con.execute(
            "SELECT schema_name, count(*), sum(estimated_size) FROM duckdb_tables() "
            "WHERE schema_name IN ('raw', 'intermediate', 'marts', 'snapshots') "
            "AND (schema_name <> 'raw' "
            "     OR NOT (contains(table_name, '__') OR starts_with(table_name, '_'))) "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
        deliveries = con.execute(
            "SELECT count(*), max(delivery_date) FROM raw._deliveries"
        ).fetchone()
        quarantined = con.execute(
            "SELECT coalesce(sum(quarantined_rows), 0) FROM raw._load_manifest"
        ).fetchone()[0]
        kpis = _latest_kpis(con)
        targets = _top_targets(con)
    finally:
        con.close()
    print(
        f"warehouse {settings.warehouse}: {deliveries[0]} deliveries loaded "
        f"(latest {deliveries[1]}), {quarantined:,} rows quarantined"
    )
    for schema, tables, rows in layers:
        print(f"  {schema:<13} {tables:>3} tables {rows:>14,} rows")
    if kpis:
        print(kpis)
    if targets:
        print(targets)


def _top_targets(con, limit: int = 10) -> str | None:
    if not con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' "
        "AND table_name = 'upsell_targets'"
    ).fetchone()[0]:
        return None
    rows = con.execute(
        "SELECT rank, account_id, account_name, upsell_propensity, recommended_offer "
        "FROM marts.upsell_targets ORDER BY rank LIMIT ?",
        [limit],
    ).fetchall()
    if not rows:
        return "upsell targets: none yet (no champion model has scored)"
    lines = [f"top {len(rows)} upsell targets:"]
    for rank, account, name, propensity, offer in rows:
        lines.append(f"  {rank:>2}. {account} {name[:32]:<32} {propensity:6.1%}  {offer}")
    return "\n".join(lines)


def _latest_kpis(con) -> str | None:
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' "
        "AND table_name = 'kpi_saas_monthly'"
    ).fetchone()[0]
    if not exists:
        return None
    row = con.execute(
        "SELECT month, mrr, active_accounts, net_new_mrr, logo_churn_rate, nrr_12m "
        "FROM marts.kpi_saas_monthly WHERE is_complete_month ORDER BY month DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    month, mrr, active, net_new, churn, nrr = row
    pct = lambda v: "n/a" if v is None else f"{v:.1%}"  # noqa: E731
    return (
        f"latest complete month {month:%Y-%m}: MRR {mrr:,.2f}, {active:,} active accounts, "
        f"net new MRR {net_new:,.2f}, logo churn {pct(churn)}, NRR 12m {pct(nrr)}"
    )


if __name__ == "__main__":  # `make dev`: the instance settings of `upsell run`
    print(f"Dagster home: {dagster_home()}")
