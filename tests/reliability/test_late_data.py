"""A late event (delivered today, effective months ago) restates that month's movements and
KPIs, and leaves the feature snapshots taken before it was delivered as they were. The daily
(incremental) build of the feature models gives the same rows as a rebuild from scratch."""

from __future__ import annotations

import csv
from datetime import date

import duckdb

from orchestration.dbt.runs import run_dbt
from upsell.ingest.loader import load_landing_zone
from upsell.sample_data import generate
from upsell.sample_data.simulate import Options
from upsell.warehouse import connect

OPTS = Options(accounts=400, months=10, seed=21, end_date=date(2026, 10, 31), deliveries=1)
MODELS = ["--select", "+fct_mrr_movements", "+kpi_saas_monthly", "+fct_account_features"]


def _build(warehouse, landing, work):
    con = connect(warehouse)
    load_landing_zone(con, landing, "late-data")
    con.close()
    run_dbt(["run", *MODELS], warehouse, work)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            "movements": con.execute(
                "SELECT account_id, month, contraction_mrr FROM marts.fct_mrr_movements"
            ).fetchall(),
            "kpis": dict(
                con.execute("SELECT month, contraction_mrr FROM marts.kpi_saas_monthly").fetchall()
            ),
            "features": con.execute(
                "SELECT * EXCLUDE (expanded_90d) FROM marts.fct_account_features "
                "ORDER BY account_id, snapshot_date"
            ).fetchall(),
            "labels": con.execute(
                "SELECT account_id, snapshot_date, expanded_90d FROM marts.fct_account_features "
                "ORDER BY account_id, snapshot_date"
            ).fetchall(),
        }
    finally:
        con.close()


def test_a_late_event_restates_its_month_and_not_earlier_snapshots(tmp_path):
    generate(OPTS, tmp_path / "landing", tmp_path / "truth")
    first, second = sorted(p for p in (tmp_path / "landing").iterdir())
    # Hold the daily delivery back: build on the first one only.
    held = tmp_path / "held"
    second.rename(held)
    before = _build(tmp_path / "warehouse.duckdb", tmp_path / "landing", tmp_path / "w1")

    # The daily delivery arrives carrying a seat reduction effective in July, three months
    # back, for a subscription that was live then.
    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW events AS SELECT * FROM read_csv('{first}/sub_subscription_events.csv', "
        "all_varchar = true)"
    )
    sub, account, plan, quantity = con.execute(
        "SELECT subscription_id, account_id, plan_id, quantity FROM events "
        "WHERE event_type = 'created' AND effective_at < '2026-06-01' "
        "AND CAST(quantity AS INT) > 3 AND subscription_id NOT IN "
        "(SELECT subscription_id FROM events WHERE event_type <> 'created') "
        "ORDER BY event_id LIMIT 1"
    ).fetchone()
    held.rename(second)
    events = second / "sub_subscription_events.csv"
    with (first / events.name).open() as f:
        header = next(csv.reader(f))
    if not events.exists():  # a quiet day: the daily export had no events
        events.write_text(",".join(header) + "\n")
    row = {
        "event_id": "E_LATE_0001",
        "subscription_id": sub,
        "account_id": account,
        "event_type": "quantity_changed",
        "effective_at": "2026-07-15T10:00:00Z",
        "plan_id": plan,
        "quantity": str(int(quantity) - 2),
        "discount_pct": "0",
        "recorded_at": "2026-10-31T09:00:00Z",
    }
    with events.open("a", newline="") as f:
        csv.writer(f).writerow([row.get(col, "") for col in header])
    after = _build(tmp_path / "warehouse.duckdb", tmp_path / "landing", tmp_path / "w2")

    changed = set(after["movements"]) - set(before["movements"])
    assert any(acc == account and str(month)[:7] == "2026-07" for acc, month, _ in changed)
    july = next(m for m in after["kpis"] if str(m)[:7] == "2026-07")
    assert after["kpis"][july] != before["kpis"][july]  # July's KPIs are restated
    # Snapshots before the late event was delivered are point in time: unchanged.
    snapshots_before = [r for r in before["features"] if str(r[1]) < "2026-10-31"]
    assert snapshots_before
    assert [r for r in after["features"] if str(r[1]) < "2026-10-31"] == snapshots_before

    # The same deliveries built from scratch: the incremental run above kept the snapshots it
    # already held and computed the new one; the rebuild computes all of them.
    rebuilt = _build(tmp_path / "rebuilt.duckdb", tmp_path / "landing", tmp_path / "w3")
    assert len({r[1] for r in rebuilt["features"]}) > len({r[1] for r in before["features"]})
    assert rebuilt["features"] == after["features"]
    assert rebuilt["labels"] == after["labels"]
