"""SQL over a generated landing zone, for tests that check what the generator simulated."""

from __future__ import annotations

from pathlib import Path


def read(folder: Path, table: str) -> str:
    """A DuckDB table expression over every delivery's file of ``table``."""
    files = sorted(folder.glob(f"*/{table}.*"))
    if not files:
        raise FileNotFoundError(f"no {table} file under {folder}")
    ext = files[0].suffix
    reader = {".csv": "read_csv", ".parquet": "read_parquet", ".jsonl": "read_json"}[ext]
    listing = ", ".join(f"'{f}'" for f in files)
    options = ", header=true, all_varchar=false" if ext == ".csv" else ""
    return f"{reader}([{listing}]{options})"


def realized_expansions(landing: Path) -> str:
    """Account and time of every expansion as docs/model.md defines the label."""
    return f"""
        WITH ev AS (
            SELECT e.*, p.unit_price * e.quantity * (1 - e.discount_pct / 100)
                        / p.billing_interval_months AS mrr
            FROM {read(landing, "sub_subscription_events")} e
            JOIN {read(landing, "sub_plans")} p USING (plan_id)
        ), seq AS (
            SELECT *, lag(mrr) OVER (PARTITION BY subscription_id
                                     ORDER BY effective_at, event_id) AS prev_mrr,
                   min(effective_at) OVER (PARTITION BY account_id) AS first_event
            FROM ev
        )
        SELECT account_id, effective_at AS expanded_at FROM seq
        WHERE (event_type IN ('plan_changed', 'quantity_changed') AND mrr > prev_mrr)
           OR (event_type = 'created' AND effective_at > first_event)
        UNION ALL
        SELECT o.account_id, o.ordered_at
        FROM {read(landing, "shop_orders")} o
        JOIN {read(landing, "shop_order_items")} i USING (order_id)
        JOIN {read(landing, "shop_products")} p USING (product_id)
        WHERE o.status = 'completed' AND p.is_addon
    """


def truth_vs_realized(landing: Path, truth: Path) -> str:
    """Per true-probability decile: mean truth and realized 90-day expansion rate."""
    return f"""
        WITH x AS ({realized_expansions(landing)}),
        t AS (
            SELECT * FROM read_parquet('{truth / "expansion_probability.parquet"}')
            WHERE snapshot_date + INTERVAL 90 DAY <= (SELECT max(expanded_at) FROM x)
        ), labelled AS (
            SELECT t.account_id, t.snapshot_date, t.p_expand_90d,
                   EXISTS (SELECT 1 FROM x WHERE x.account_id = t.account_id
                           AND x.expanded_at > t.snapshot_date + INTERVAL 1 DAY
                           AND x.expanded_at <= t.snapshot_date + INTERVAL 91 DAY) AS expanded
            FROM t
        )
        SELECT ntile(10) OVER (ORDER BY p_expand_90d) AS decile, p_expand_90d, expanded
        FROM labelled
    """
