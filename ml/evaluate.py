"""Holdout metrics: ROC AUC, PR AUC, Brier, lift and capture by decile, calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def deciles(scores: np.ndarray) -> np.ndarray:
    """Decile of each score, 10 = highest; ties share a decile (rank-based, stable)."""
    ranks = pd.Series(scores).rank(method="first").to_numpy()
    return np.ceil(ranks * 10 / len(scores)).astype(int)


def lift_table(y: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """Per decile (10 = top): accounts, rate, lift over the base rate, cumulative capture."""
    frame = pd.DataFrame({"y": np.asarray(y, float), "decile": deciles(scores)})
    base = frame["y"].mean()
    table = frame.groupby("decile")["y"].agg(accounts="size", positives="sum", rate="mean")
    table = table.sort_index(ascending=False)
    table["lift"] = table["rate"] / base if base > 0 else np.nan
    table["capture"] = table["positives"].cumsum() / max(frame["y"].sum(), 1)
    return table.reset_index()


def calibration_table(y: np.ndarray, probabilities: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Mean predicted probability and observed rate per decile of the prediction."""
    frame = pd.DataFrame(
        {"y": np.asarray(y, float), "p": probabilities, "bin": deciles(probabilities)}
    )
    return (
        frame.groupby("bin")
        .agg(accounts=("y", "size"), predicted=("p", "mean"), observed=("y", "mean"))
        .reset_index()
    )


def evaluate(y: np.ndarray, probabilities: np.ndarray) -> dict:
    """The figures the registry records for a model on a holdout."""
    y = np.asarray(y, int)
    lift = lift_table(y, probabilities)
    top = lift.iloc[0]
    calibration = calibration_table(y, probabilities)
    return {
        "rows": len(y),
        "positive_rate": float(y.mean()),
        "roc_auc": float(roc_auc_score(y, probabilities)),
        "pr_auc": float(average_precision_score(y, probabilities)),
        "brier": float(brier_score_loss(y, probabilities)),
        "top_decile_lift": float(top["lift"]),
        "top_decile_capture": float(top["capture"]),
        "lift_by_decile": [round(float(v), 4) for v in lift["lift"]],
        "calibration": calibration.round(6).to_dict(orient="records"),
        "calibration_gap": float(
            np.average(
                (calibration["predicted"] - calibration["observed"]).abs(),
                weights=calibration["accounts"],
            )
        ),
    }
