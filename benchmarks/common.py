"""What the benchmark scripts share: the data cache, scale options and the oracle comparison."""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import pandas as pd
from sklearn.metrics import roc_auc_score

from ml.features import LABEL
from upsell.sample_data import generate
from upsell.sample_data.simulate import Options

CACHE = Path("data/bench").resolve()  # absolute: dbt changes the working directory


def scale_args(doc: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=3)
    return parser.parse_args()


def landing_for(accounts: int, months: int, deliveries: int = 0) -> Path:
    """A generated landing zone (with its truth beside it), generated once per scale."""
    root = CACHE / (f"{accounts}x{months}" + (f"d{deliveries}" if deliveries else ""))
    if not (root / "landing").exists():
        opts = Options(accounts=accounts, months=months, deliveries=deliveries)
        generate(opts, root / "landing.tmp", root / "truth")
        (root / "landing.tmp").rename(root / "landing")
    return root / "landing"


def against_oracle(holdout: pd.DataFrame, probabilities, truth: Path) -> dict:
    """ROC AUC of the model and of the simulator's true probabilities on the same holdout rows."""
    oracle = duckdb.connect().execute(f"SELECT * FROM read_parquet('{truth}')").df()
    rows = holdout.assign(model=probabilities).merge(
        oracle, on=["account_id", "snapshot_date"], how="inner"
    )
    y = rows[LABEL].astype(int)
    model_auc, oracle_auc = roc_auc_score(y, rows["model"]), roc_auc_score(y, rows["p_expand_90d"])
    return {
        "holdout_rows": len(rows),
        "roc_auc": model_auc,
        "oracle_roc_auc": oracle_auc,
        "ratio_to_oracle": model_auc / oracle_auc,
    }
