"""Point-in-time features: building them from only the deliveries up to T gives the same rows,
for every snapshot <= T, as building them from all deliveries (docs/model.md)."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb

from orchestration.dbt.runs import run_dbt
from tests.conftest import make_landing
from tests.landing_sql import read
from upsell.ingest.loader import load_landing_zone
from upsell.sample_data.simulate import Options
from upsell.warehouse import connect

CUT = date(2026, 9, 30)


def _build_features(landing, root) -> list[tuple]:
    warehouse = root / "warehouse.duckdb"
    con = connect(warehouse)
    load_landing_zone(con, landing, "leakage")
    con.close()
    run_dbt(["build", "--select", "+fct_account_features", "--exclude", "test_type:data"],
            warehouse, root)  # fmt: skip
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute(
        "SELECT * EXCLUDE (expanded_90d) FROM marts.fct_account_features "
        "WHERE snapshot_date <= ? ORDER BY ALL",
        [CUT],
    ).fetchall()
    con.close()
    return rows


def test_features_up_to_t_do_not_change_when_later_deliveries_arrive(tmp_path):
    opts = Options(accounts=1200, months=12, seed=21, end_date=date(2026, 10, 31), deliveries=40)
    full, _, _ = make_landing(tmp_path / "all", opts)
    # The later deliveries carry rows that would leak: events effective by T but recorded after.
    late = (
        duckdb.connect()
        .execute(
            f"SELECT count(*) FROM {read(full, 'sub_subscription_events')} "
            f"WHERE effective_at <= '{CUT} 23:59:59' AND recorded_at > '{CUT} 23:59:59'"
        )
        .fetchone()[0]
    )
    assert late > 0
    partial = tmp_path / "partial" / "landing"
    for folder in sorted(full.iterdir()):
        if date.fromisoformat(folder.name) <= CUT:
            shutil.copytree(folder, partial / folder.name)
    only_until_t = _build_features(partial, tmp_path / "partial")
    everything = _build_features(full, tmp_path / "all")
    assert len(only_until_t) > 1000
    assert {r[1] for r in only_until_t} == {r[1] for r in everything}  # the same snapshots
    assert only_until_t == everything
