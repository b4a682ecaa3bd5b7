"""The few lines `upsell run` prints after a run: what the warehouse and the published marts
hold, the latest month's KPIs and the top upsell targets."""

from __future__ import annotations

from upsell.config import Settings
from upsell.warehouse import connect, table_exists


def summary(settings: Settings) -> None:
    """What a run left: deliveries, rows per layer, the latest KPIs and the top targets."""
    if not settings.warehouse.exists():
        return
    con = connect(settings.warehouse)  # same configuration as the job's connections
    try:
        layers = _layer_rows(con)
        deliveries = con.execute(
            "SELECT count(*), max(delivery_date) FROM raw._deliveries"
        ).fetchone()
        quarantined = con.execute(
            "SELECT coalesce(sum(quarantined_rows), 0) FROM raw._load_manifest"
        ).fetchone()[0]
        if settings.target == "duckdb":
            kpis, targets = _latest_kpis(con), _top_targets(con)
    finally:
        con.close()
    if settings.target != "duckdb":
        kpis, targets = _published(settings)
        for schema, n, rows in _published_rows(settings):
            layers.append((f"{schema} ({settings.target})", n, rows))
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


def _published(settings: Settings) -> tuple[str | None, str | None]:
    """The summary's KPIs and targets from the serving file, which every engine exports."""
    if not settings.serving.exists():
        return None, None
    con = connect(settings.serving, read_only=True)
    try:
        return _latest_kpis(con), _top_targets(con)
    finally:
        con.close()


def _published_rows(settings: Settings) -> list[tuple[str, int, int]]:
    """(schema, tables, rows) the target's publication holds."""
    if not settings.serving.exists():
        return []
    con = connect(settings.serving, read_only=True)
    try:
        counts = con.execute(
            "SELECT split_part(table_name, '.', 1), count(*), sum(row_count) "
            "FROM meta.published_tables GROUP BY 1 ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    return [(schema, n, int(rows)) for schema, n, rows in counts]


def _layer_rows(con) -> list[tuple[str, int, int]]:
    """(schema, tables, rows) per layer, rows counted exactly (DuckDB's estimated sizes also
    count deleted rows, so they grew on every rerun)."""
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE schema_name IN ('raw', 'intermediate', 'marts', 'snapshots') "
        "AND (schema_name <> 'raw' "
        "     OR NOT (contains(table_name, '__') OR starts_with(table_name, '_'))) "
        "ORDER BY 1, 2"
    ).fetchall()
    layers: dict[str, list[int]] = {}
    for schema, table in tables:
        rows = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
        layer = layers.setdefault(schema, [0, 0])
        layer[0] += 1
        layer[1] += rows
    return [(schema, n, rows) for schema, (n, rows) in layers.items()]


def _top_targets(con, limit: int = 10) -> str | None:
    if not table_exists(con, "marts", "upsell_targets"):
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
    if not table_exists(con, "marts", "kpi_saas_monthly"):
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
