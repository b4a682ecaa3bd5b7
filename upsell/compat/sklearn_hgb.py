"""The trees of a fitted binary ``HistGradientBoostingClassifier``, predicted one by one.

``ml.explain.tree_drops`` re-predicts only the trees that split on a swapped feature, about
three times faster than one full ``predict_proba`` per feature. That needs scikit-learn
internals, all read here: ``_predictors`` (one list of ``TreePredictor`` per iteration, with
``nodes["feature_idx"]``/``nodes["is_leaf"]`` and ``predict(X, known_cat_bitsets, f_idx_map,
n_threads)``), ``_bin_mapper.make_known_categories_bitsets()``, ``_preprocess_X(X, reset)``,
``_preprocessor`` (the ``ColumnTransformer`` that puts categorical columns first, or ``None``),
``_baseline_prediction`` and ``sklearn.utils._openmp_helpers._openmp_effective_n_threads``.
The raw score is the baseline plus every tree's value, added in the order of
``HistGradientBoostingClassifier._raw_predict``, so the probabilities equal ``predict_proba``'s.
Checked against scikit-learn 1.9.1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads


@dataclass(frozen=True)
class BinaryTrees:
    """A fitted binary classifier's trees and how its input columns reach them."""

    model: HistGradientBoostingClassifier
    trees: list
    inner: np.ndarray  # where each input column sits in the matrix the trees read
    baseline: float
    known_cat_bitsets: np.ndarray
    f_idx_map: np.ndarray
    threads: int

    def splits_on(self) -> list[set[int]]:
        """The inner columns each tree splits on."""
        return [set(t.nodes["feature_idx"][t.nodes["is_leaf"] == 0].tolist()) for t in self.trees]

    def preprocess(self, matrix: np.ndarray) -> np.ndarray:
        """Rows as the trees read them (categorical columns first, as the classifier orders)."""
        return self.model._preprocess_X(np.asarray(matrix, dtype=np.float64), reset=False)

    def predict(self, tree, rows: np.ndarray) -> np.ndarray:
        """One tree's raw values for preprocessed rows."""
        return tree.predict(
            rows,
            known_cat_bitsets=self.known_cat_bitsets,
            f_idx_map=self.f_idx_map,
            n_threads=self.threads,
        )


def binary_trees(model, n_columns: int) -> BinaryTrees | None:
    """The trees of ``model``, or ``None`` when it is not a fitted binary
    HistGradientBoostingClassifier reading ``n_columns`` columns."""
    inner = _inner_columns(model, n_columns)
    if inner is None:
        return None
    bitsets, f_idx_map = model._bin_mapper.make_known_categories_bitsets()
    return BinaryTrees(
        model=model,
        trees=[iteration[0] for iteration in model._predictors],
        inner=inner,
        baseline=model._baseline_prediction.item(),
        known_cat_bitsets=bitsets,
        f_idx_map=f_idx_map,
        threads=_openmp_effective_n_threads(),
    )


def _inner_columns(model, n: int) -> np.ndarray | None:
    """Where each input column sits in the matrix the trees read (the classifier reorders its
    categorical columns first), or ``None`` when the model is not a fitted binary
    HistGradientBoostingClassifier."""
    if not isinstance(model, HistGradientBoostingClassifier) or model.n_trees_per_iteration_ != 1:
        return None
    if model._preprocessor is None:
        return np.arange(n)
    selected = [
        np.asarray(cols)
        for _, step, cols in model._preprocessor.transformers_
        if not (isinstance(step, str) and step == "drop")
    ]
    order = np.concatenate(
        [np.flatnonzero(c) if c.dtype == bool else c.astype(int) for c in selected]
    )
    if sorted(order.tolist()) != list(range(n)):
        return None
    inner = np.empty(n, dtype=int)
    inner[order] = np.arange(n)
    return inner
