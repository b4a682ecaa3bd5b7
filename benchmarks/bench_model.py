"""Model quality on generated data against the generator's oracle:
``python -m benchmarks.bench_model --accounts 5000``.

Generates (cached under data/bench/), loads, builds the dbt models, trains as the training
asset does, and prints the holdout ROC AUC next to the oracle's (the simulator's true
probabilities on the same rows), the top-decile lift, the baseline's figures, the training time
and the scoring speed. Targets (docs/model.md): AUC >= 0.95 x oracle AUC, lift >= 3.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.common import CACHE, against_oracle, landing_for, scale_args
from ml.features import prepare
from ml.fit import predict
from ml.training import train_and_evaluate
from orchestration.dbt.runs import run_dbt
from upsell.ingest.loader import load_landing_zone
from upsell.warehouse import connect


def build_warehouse(landing: Path, root: Path) -> Path:
    warehouse = root / "warehouse.duckdb"
    con = connect(warehouse)
    load_landing_zone(con, landing, "bench-model")
    con.close()
    run_dbt(["build", "--select", "+fct_account_features", "--exclude", "test_type:data"],
            warehouse, root)  # fmt: skip
    return warehouse


def main() -> None:
    args = scale_args(__doc__)
    landing = landing_for(args.accounts, args.months)
    truth = landing.parent / "truth" / "expansion_probability.parquet"
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        warehouse = build_warehouse(landing, Path(tmp))
        con = duckdb.connect(str(warehouse), read_only=True)
        frame = prepare(con.execute("SELECT * FROM marts.fct_account_features").df())
        con.close()
    trained = train_and_evaluate(frame)
    quality = against_oracle(trained.split.holdout, trained.holdout_probabilities, truth)
    model_auc, oracle_auc = quality["roc_auc"], quality["oracle_roc_auc"]
    started = time.perf_counter()
    predict(trained.model, frame)
    scoring = len(frame) / (time.perf_counter() - started)
    m, b = trained.metrics, trained.baseline_metrics
    print(
        f"model: {args.accounts:,} accounts x {args.months} months; holdout "
        f"{quality['holdout_rows']:,} rows "
        f"({', '.join(str(s)[:10] for s in trained.split.holdout_snapshots)})\n"
        f"  model    ROC AUC {model_auc:.4f}  oracle {oracle_auc:.4f}  ratio "
        f"{model_auc / oracle_auc:.3f} (target >= 0.95); top-decile lift "
        f"{m['top_decile_lift']:.2f} (target >= 3); PR AUC {m['pr_auc']:.4f}; "
        f"Brier {m['brier']:.4f}\n"
        f"  baseline ROC AUC {b['roc_auc']:.4f}; top-decile lift {b['top_decile_lift']:.2f}; "
        f"PR AUC {b['pr_auc']:.4f}\n"
        f"  training {trained.seconds:.1f} s on {len(trained.split.train):,} rows; scoring "
        f"{scoring:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
