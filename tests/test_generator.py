"""The sample-data generator writes exactly the landing contract, deterministically."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SMALL, make_landing
from tests.landing_sql import read, truth_vs_realized
from upsell.contract import SUCCESS_MARKER, TABLES
from upsell.sample_data.simulate import Options


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _reader(path: Path) -> str:
    if path.suffix == ".csv":
        return f"read_csv('{path}', header=true)"
    return f"read_{'parquet' if path.suffix == '.parquet' else 'json'}('{path}')"


def test_same_seed_gives_byte_identical_deliveries(tmp_path, small_landing):
    landing, truth, _ = make_landing(tmp_path / "again")
    assert _files(landing) == _files(small_landing[0])
    assert _files(truth) == _files(small_landing[1])
    other, _, _ = make_landing(tmp_path / "other", Options(**{**SMALL.__dict__, "seed": 12}))
    assert _files(other) != _files(landing)


def test_deliveries_are_dated_daily_and_complete(small_landing):
    landing, _, report = small_landing
    folders = sorted(p for p in landing.iterdir())
    expected = [SMALL.end_date - timedelta(days=d) for d in (3, 2, 1, 0)]
    assert [f.name for f in folders] == [d.isoformat() for d in expected]
    assert report["deliveries"] == [d.isoformat() for d in expected]
    first = {p.stem for p in folders[0].iterdir() if p.name != SUCCESS_MARKER}
    assert first == set(TABLES)
    for folder in folders:
        marker = folder / SUCCESS_MARKER
        assert marker.exists()
        others = [p.stat().st_mtime_ns for p in folder.iterdir() if p != marker]
        assert marker.stat().st_mtime_ns >= max(others), f"{marker} was not written last"


def test_every_file_has_the_contract_columns_in_order(small_landing):
    con = duckdb.connect()
    for path in sorted(small_landing[0].glob("*/*.*")):
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {_reader(path)}").fetchall()]
        assert cols == TABLES[path.stem].column_names, path


def test_rows_follow_the_contract_rules(small_landing):
    """Keys unique and not null, enums valid, ranges kept, foreign keys resolve."""
    landing = small_landing[0]
    con = duckdb.connect()
    folders = sorted(landing.iterdir())
    for i, folder in enumerate(folders):
        for path in sorted(folder.glob("*.*")):
            if path.name == SUCCESS_MARKER:
                continue
            table = TABLES[path.stem]
            rel = _reader(path)
            key = ", ".join(table.key)
            dupes, null_keys = con.execute(
                f"SELECT count(*) - count(DISTINCT ({key})), "
                f"count(*) FILTER (WHERE {' OR '.join(f'{k} IS NULL' for k in table.key)}) "
                f"FROM {rel}"
            ).fetchone()
            assert (dupes, null_keys) == (0, 0), f"{path}: duplicate or null keys"
            for col in table.columns:
                checks = [] if col.nullable else [f"{col.name} IS NULL"]
                if col.enum:
                    checks.append(f"{col.name} NOT IN ({', '.join(map(repr, col.enum))})")
                if col.min is not None:
                    checks.append(f"{col.name} < {col.min}")
                if col.max is not None:
                    checks.append(f"{col.name} > {col.max}")
                if col.references:
                    parent, parent_col = col.references.split(".")
                    seen = [
                        p for f in folders[: i + 1] for p in f.glob(f"{parent}.*")
                    ]  # parents delivered so far
                    union = " UNION ALL ".join(
                        f"SELECT {parent_col} AS k FROM {_reader(p)}" for p in seen
                    )
                    checks.append(f"{col.name} IS NOT NULL AND {col.name} NOT IN ({union})")
                for check in checks:
                    bad = con.execute(f"SELECT count(*) FROM {rel} WHERE {check}").fetchone()[0]
                    assert bad == 0, f"{path}: {bad} rows where {check}"


def test_later_deliveries_carry_only_that_days_changes(small_landing):
    landing = small_landing[0]
    con = duckdb.connect()
    change_time = {
        "sub_subscription_events": "recorded_at",
        "usage_daily": "usage_date",
        "crm_activities": "occurred_at",
        "ref_fx_rates": "rate_date",
    }
    for folder in sorted(landing.iterdir())[1:]:
        day = date.fromisoformat(folder.name)
        for path in folder.glob("*.*"):
            if path.name == SUCCESS_MARKER:
                continue
            col = change_time.get(path.stem, "updated_at")
            if col not in TABLES[path.stem].column_names:
                continue
            days = con.execute(f"SELECT DISTINCT {col}::DATE FROM {_reader(path)}").fetchall()
            assert days == [(day,)], f"{path} holds rows changed on {days}"
    # Invoices issued earlier and paid now are re-sent whole, with their new status.
    q = f"""SELECT count(*) FROM (SELECT invoice_id, count(DISTINCT status) AS n
            FROM {read(landing, "sub_invoices")} GROUP BY 1) WHERE n > 1"""
    assert con.execute(q).fetchone()[0] > 0


def test_subscription_events_replay_to_a_sane_history(truth_landing):
    landing, truth, _ = truth_landing
    con = duckdb.connect()
    events = read(landing, "sub_subscription_events")
    seq = con.execute(
        f"""SELECT event_type, lag(event_type) OVER w AS prev, quantity
            FROM {events} WINDOW w AS (PARTITION BY subscription_id ORDER BY effective_at, event_id)
        """
    ).df()
    first = seq[seq.prev.isna()]
    assert set(first.event_type) == {"created"}, "every subscription starts with 'created'"
    assert set(seq[seq.event_type == "reactivated"].prev) == {"cancelled"}
    assert set(seq[seq.prev == "cancelled"].event_type) == {"reactivated"}
    assert seq.quantity.min() >= 1
    # Late-arriving events exist: recorded in a later month than they took effect.
    late = con.execute(
        f"SELECT count(*) FROM {events} "
        "WHERE date_trunc('month', recorded_at) > date_trunc('month', effective_at)"
    ).fetchone()[0]
    assert late > 0
    # Replaying the delivered events gives MRR > 0 at exactly the account-month ends the
    # simulator wrote a true probability for.
    replay = con.execute(
        f"""
        WITH months AS (
            SELECT DISTINCT snapshot_date AS d FROM '{truth / "expansion_probability.parquet"}'
        ), state AS (
            SELECT m.d, e.account_id, e.subscription_id, arg_max(e.event_type, e.effective_at) AS t,
                   arg_max(p.unit_price * e.quantity * (1 - e.discount_pct / 100)
                           / p.billing_interval_months, e.effective_at) AS mrr
            FROM months m JOIN {events} e ON e.effective_at < m.d + INTERVAL 1 DAY
            JOIN {read(landing, "sub_plans")} p USING (plan_id)
            GROUP BY ALL
        )
        SELECT account_id, d FROM state WHERE t <> 'cancelled' GROUP BY ALL HAVING sum(mrr) > 0
        EXCEPT
        SELECT account_id, snapshot_date FROM '{truth / "expansion_probability.parquet"}'
        """
    ).fetchall()
    assert replay == []


def test_fx_rates_move(small_landing):
    con = duckdb.connect()
    spread = con.execute(
        f"SELECT currency, max(rate_to_reporting) / min(rate_to_reporting) "
        f"FROM {read(small_landing[0], 'ref_fx_rates')} GROUP BY 1 ORDER BY 1"
    ).fetchall()
    ratios = dict(spread)
    assert ratios["EUR"] == 1.0
    assert ratios["USD"] > 1.01 and ratios["GBP"] > 1.01


def test_ground_truth_matches_what_happened(truth_landing):
    """Accounts with a higher true probability expand more often, and about as often."""
    landing, truth, _ = truth_landing
    con = duckdb.connect()
    deciles = con.execute(
        f"SELECT decile, avg(p_expand_90d), avg(expanded::INT) "
        f"FROM ({truth_vs_realized(landing, truth)}) GROUP BY 1 ORDER BY 1"
    ).fetchall()
    truth_mean = [r[1] for r in deciles]
    realized = [r[2] for r in deciles]
    assert realized[-1] > 3 * realized[0]
    rises = sum(b > a for a, b in itertools.pairwise(realized))
    assert rises >= 8, realized
    for p, r in zip(truth_mean, realized, strict=True):
        assert abs(p - r) < 0.06, (truth_mean, realized)


def test_campaign_truth_covers_every_variant_and_one_splitter_is_broken(truth_landing):
    landing, truth, _ = truth_landing
    con = duckdb.connect()
    offered = con.execute(
        f"SELECT campaign_id, variant, count(*) FROM {read(landing, 'crm_upsell_offers')} "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    variants = con.execute(
        f"SELECT campaign_id, variant, true_conversion_rate, allocation_share "
        f"FROM '{truth / 'campaign_variants.parquet'}' ORDER BY ALL"
    ).fetchall()
    assert [o[:2] for o in offered] == [v[:2] for v in variants]
    assert all(0 < v[2] < 1 for v in variants)
    skewed = {v[:2]: v[3] for v in variants if v[3] not in (0.5, 1 / 3)}
    assert skewed, "one campaign has a sample-ratio mismatch"
    counts = {o[:2]: o[2] for o in offered}
    for (campaign, variant), share in skewed.items():
        total = sum(c for (cmp, _), c in counts.items() if cmp == campaign)
        sigma = (share * (1 - share) / total) ** 0.5
        assert abs(counts[campaign, variant] / total - share) < 4 * sigma


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_every_format_carries_the_same_rows(tmp_path, fmt):
    opts = Options(accounts=200, months=3, seed=5)
    landing, _, _ = make_landing(tmp_path, opts, fmt=fmt)
    con = duckdb.connect()
    files = sorted(p for p in landing.glob("*/*.*") if p.name != SUCCESS_MARKER)
    assert {p.suffix for p in files} == {"." + fmt}
    counts = {
        p.stem: con.execute(f"SELECT count(*) FROM {_reader(p)}").fetchone()[0] for p in files
    }
    baseline, _, _ = make_landing(tmp_path / "mixed", opts)
    for p in baseline.glob("*/*.*"):
        if p.name != SUCCESS_MARKER:
            assert counts[p.stem] == con.execute(f"SELECT count(*) FROM {_reader(p)}").fetchone()[0]
