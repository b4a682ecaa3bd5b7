"""Population stability index between a reference (training) and a current distribution."""

from __future__ import annotations

import numpy as np

EPSILON = 1e-6


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
