"""One training round: split out of time, fit the model and the baseline, evaluate both on the
holdout. Shared by the Dagster training asset and the model benchmark."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd
from sklearn.pipeline import Pipeline

from ml.evaluate import evaluate
from ml.features import LABEL
from ml.fit import BASELINE_FEATURES, fit_baseline, fit_model, predict
from ml.split import HOLDOUT_SNAPSHOTS, Split, out_of_time_split

# Bounds training memory (about 1 GB of features); 100k accounts x 2 years is ~1.3 M.
MAX_TRAINING_ROWS = 2_000_000


@dataclass
class TrainingRound:
    model: Pipeline
    split: Split
    metrics: dict
    baseline_metrics: dict
    holdout_probabilities: pd.Series
    seconds: float


def train_and_evaluate(
    frame: pd.DataFrame, holdout_snapshots: int = HOLDOUT_SNAPSHOTS, seed: int = 0
) -> TrainingRound:
    """Raises ``NotEnoughHistory`` (one clear sentence) when there is too little to learn from."""
    split = out_of_time_split(frame, holdout_snapshots=holdout_snapshots)
    started = time.perf_counter()
    model = fit_model(split.train, seed=seed)
    seconds = time.perf_counter() - started
    y = split.holdout[LABEL].astype(int).to_numpy()
    probabilities = predict(model, split.holdout)
    baseline = predict(fit_baseline(split.train), split.holdout, BASELINE_FEATURES)
    return TrainingRound(
        model=model,
        split=split,
        metrics=evaluate(y, probabilities),
        baseline_metrics=evaluate(y, baseline),
        holdout_probabilities=pd.Series(probabilities, index=split.holdout.index),
        seconds=seconds,
    )


def accounts_per_10k(rows: int, max_rows: int) -> int:
    """How many accounts in 10,000 to train on so that about ``max_rows`` rows are used."""
    if rows <= max_rows:
        return 10_000
    return max(1, int(10_000 * max_rows / rows))
