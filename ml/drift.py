"""Population stability index between a reference (training) and a current distribution."""

from __future__ import annotations

import numpy as np
import pandas as pd

EPSILON = 1e-6
DRIFT_PSI = 0.25  # above this a shift is large (the usual reading, see psi)


def psi(reference: np.ndarray, current: np.ndarray, bins: int = 10) -> float:
    """PSI over the reference's quantile bins: sum((c - r) * ln(c / r)). Below 0.1 is stable,
    0.1-0.25 a moderate shift, above 0.25 a large one (the usual reading)."""
    reference = np.asarray(reference, float)
    current = np.asarray(current, float)
    reference, current = reference[~np.isnan(reference)], current[~np.isnan(current)]
    if len(reference) == 0 or len(current) == 0:
        return float("nan")
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)))
    if len(edges) < 2:  # a constant reference: did the current one move off that value?
        same = np.mean(current == reference[0])
        r, c = np.array([1.0, EPSILON]), np.array([max(same, EPSILON), max(1 - same, EPSILON)])
        return float(np.sum((c - r) * np.log(c / r)))
    inner = edges[1:-1]
    r = np.bincount(np.searchsorted(inner, reference, side="right"), minlength=len(edges) - 1)
    c = np.bincount(np.searchsorted(inner, current, side="right"), minlength=len(edges) - 1)
    r = np.maximum(r / r.sum(), EPSILON)
    c = np.maximum(c / c.sum(), EPSILON)
    return float(np.sum((c - r) * np.log(c / r)))


def drift_summary(card: dict, current: pd.DataFrame, probability: np.ndarray) -> dict[str, float]:
    """PSI of the scores and of every numeric feature the model card kept quantiles of."""
    drift = {"score": psi(np.array(card["training_scores"]), probability)}
    for col, quantiles in card["training_features"].items():
        drift[col] = psi(np.array(quantiles), current[col].to_numpy(float))
    return drift


def drift_verdict(drift: dict[str, float], threshold: float = DRIFT_PSI) -> tuple[bool, str]:
    """Whether the largest PSI is within ``threshold`` (no measurement at all passes; an
    undefined PSI is only the largest when every one is, and then does not pass), and a
    sentence naming a large one."""
    name, worst = max(
        drift.items(), key=lambda kv: kv[1] if np.isfinite(kv[1]) else -1, default=(None, 0.0)
    )
    passed = bool(not drift or worst <= threshold)
    if drift and worst > threshold:
        return passed, f"largest PSI {worst:.3f} on {name}: consider retraining"
    return passed, "feature and score distributions are close to training"
