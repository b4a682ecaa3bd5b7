"""Fitting the propensity model and the simple baseline it must beat."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder, StandardScaler

from ml.features import CATEGORICAL, DERIVED, FEATURES, LABEL, NUMERIC

BASELINE_FEATURES = ["seat_utilisation", "feature_limit_hits_30d", "latest_nps", "mrr", "tier"]


def fit_model(train: pd.DataFrame, seed: int = 0) -> Pipeline:
    """Gradient-boosted trees on all features; missing values are handled natively."""
    # A feature with no value at all in training (e.g. 12-month change in a young history)
    # carries nothing to learn and breaks binning: leave it out.
    numeric = [c for c in NUMERIC + DERIVED if train[c].notna().any()]
    encode = ColumnTransformer(
        [
            ("numeric", "passthrough", numeric),
            (
                "categorical",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                CATEGORICAL,
            ),
        ],
        verbose_feature_names_out=False,
    )
    n_numeric = len(numeric)
    model = HistGradientBoostingClassifier(
        # small, regularised trees and few rounds: monthly snapshots of one account are close
        # to each other, so deep trees learn accounts rather than behaviour
        learning_rate=0.05,
        max_iter=150,
        max_leaf_nodes=15,
        min_samples_leaf=100,
        l2_regularization=3.0,
        early_stopping=True,
        validation_fraction=0.15,
        n_iter_no_change=25,
        categorical_features=list(range(n_numeric, n_numeric + len(CATEGORICAL))),
        random_state=seed,
    )
    pipeline = Pipeline([("encode", encode), ("model", model)])
    pipeline.fit(train[FEATURES], train[LABEL].astype(int))
    return pipeline


def fit_baseline(train: pd.DataFrame) -> Pipeline:
    """Logistic regression on a handful of features: the gain the real model must show."""
    pipeline = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(max_iter=1000)),
        ]
    )
    pipeline.fit(train[BASELINE_FEATURES], train[LABEL].astype(int))
    return pipeline


def predict(pipeline: Pipeline, frame: pd.DataFrame, features: list[str] = FEATURES) -> np.ndarray:
    return pipeline.predict_proba(frame[features])[:, 1]
