"""The model card: what is recorded beside a trained model when it is registered (features,
windows, data fingerprint, metrics, and the distributions drift is measured against)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.explain import reference_row
from ml.features import FEATURES, NUMERIC
from ml.fit import predict
from ml.training import TrainingRound

# Training rows scored to estimate the score distribution drift is measured against.
SCORE_REFERENCE_ROWS = 50_000
QUANTILES = np.linspace(0, 1, 101)


def fingerprint(frame: pd.DataFrame) -> str:
    """Row count and a hash of the rows, independent of their order: equal for the same data."""
    hashed = pd.util.hash_pandas_object(
        frame.sort_values(["account_id", "snapshot_date"]), index=False
    )
    return f"{len(frame)}:{int(hashed.sum()) & 0xFFFFFFFFFFFF:012x}"


def model_card(trained: TrainingRound, data_fingerprint: str, seed: int) -> dict:
    """The card registered with the model (the registry adds version, time, libraries, hash)."""
    split, model = trained.split, trained.model
    reference_rows = min(len(split.train), SCORE_REFERENCE_ROWS)
    return {
        "features": {c: str(split.train[c].dtype) for c in FEATURES},
        "training_window": [str(split.train_snapshots[0]), str(split.train_snapshots[-1])],
        "holdout_window": [str(split.holdout_snapshots[0]), str(split.holdout_snapshots[-1])],
        "training_rows": len(split.train),
        "data_fingerprint": data_fingerprint,
        "metrics": trained.metrics,
        "baseline_metrics": trained.baseline_metrics,
        "reference": reference_row(split.train),
        # score drift is measured against these 101 quantiles: a fixed sample of the training
        # rows estimates them (scoring all of them cost 5 s at 100k accounts)
        "training_scores": np.quantile(
            predict(model, split.train.sample(n=reference_rows, random_state=seed)), QUANTILES
        ).tolist(),
        "training_features": {
            c: np.nanquantile(split.train[c], QUANTILES).tolist()
            for c in NUMERIC
            if split.train[c].notna().any()
        },
    }
