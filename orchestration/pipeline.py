"""The daily job as the command line runs it: in-process, with progress and a short summary."""

from __future__ import annotations

import os

import dagster as dg

from orchestration.config import Settings
from orchestration.definitions import build_definitions
from orchestration.ingest.loader import connect


def _instance() -> dg.DagsterInstance:
    """The persistent instance under $DAGSTER_HOME when set (runs show in the UI)."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run_daily(settings: Settings) -> int:
    defs = build_definitions(settings)
    job = defs.resolve_job_def("daily_refresh")
    with _instance() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
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
