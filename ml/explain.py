"""Per-account reasons: which features push an account's score up, in words.

A feature's contribution is how much the account's probability drops when that feature alone
is set back to a typical value (the training median, or the most common category): cheap,
model-agnostic and easy to explain to a sales team.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.features import CATEGORICAL, FEATURES

LABELS = {
    "seat_utilisation": ("seat utilisation", "pct"),
    "seat_utilisation_trend": ("seat utilisation trend", "signed_pct"),
    "usage_growth": ("usage growth", "signed_pct"),
    "feature_limit_hits_30d": ("plan-limit hits in 30 days", "int"),
    "limit_hits_per_active_user": ("plan-limit hits per active user", "num"),
    "latest_nps": ("latest NPS", "int"),
    "latest_csat": ("latest CSAT", "int"),
    "mrr": ("MRR", "money"),
    "mrr_change_3m": ("MRR change over 3 months", "signed_pct"),
    "mrr_change_12m": ("MRR change over 12 months", "signed_pct"),
    "tier": ("plan tier", "int"),
    "seats": ("seats", "int"),
    "addon_orders": ("add-on orders", "int"),
    "open_expansion_opportunities": ("open upsell opportunities", "int"),
    "urgent_tickets_90d": ("urgent tickets in 90 days", "int"),
    "tenure_months": ("tenure in months", "int"),
    "mrr_increases_12m": ("expansions in 12 months", "int"),
}


def reference_row(train: pd.DataFrame) -> dict:
    """A typical account: training medians and most common categories."""
    typical = {}
    for col in FEATURES:
        if col in CATEGORICAL:
            typical[col] = train[col].mode().iloc[0]
        else:
            typical[col] = float(train[col].median()) if train[col].notna().any() else np.nan
    return typical


def contributions(pipeline, frame: pd.DataFrame, typical: dict) -> pd.DataFrame:
    """Probability drop per feature when it is replaced by its typical value (rows x features).

    ``pipeline`` is an encoder followed by a classifier. The frame is encoded once and each
    feature is swapped in the encoded matrix: re-encoding string columns for every feature
    cost more than the predictions themselves. A feature the model left out contributes 0.
    """
    encode, model = pipeline[:-1], pipeline[-1]
    matrix = encode.transform(frame[FEATURES])
    reference = encode.transform(pd.DataFrame([typical])[FEATURES])[0]
    position = {name: j for j, name in enumerate(encode.get_feature_names_out())}
    base = model.predict_proba(matrix)[:, 1]
    out = {}
    for col in FEATURES:
        if col not in position:
            out[col] = np.zeros(len(frame))
            continue
        changed = matrix.copy()
        changed[:, position[col]] = reference[position[col]]
        out[col] = base - model.predict_proba(changed)[:, 1]
    return pd.DataFrame(out, index=frame.index)


def describe(feature: str, value, typical) -> str:
    """A feature's value in words, with how it compares to a typical account."""
    name, kind = LABELS.get(feature, (feature.replace("_", " "), "num"))
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return f"{name} unknown"
    if kind == "pct":
        text = f"{value:.0%}"
    elif kind == "signed_pct":
        text = f"{value:+.0%}"
    elif kind == "int" or kind == "money":
        text = f"{value:,.0f}"
    else:
        text = f"{value:.2f}" if isinstance(value, float) else str(value)
    level = ""
    if (
        isinstance(value, int | float)
        and isinstance(typical, int | float)
        and not np.isnan(typical)
    ):
        level = " (high)" if value > typical else " (low)" if value < typical else ""
    return f"{name} {text}{level}"


def top_reasons(
    frame: pd.DataFrame, contrib: pd.DataFrame, typical: dict, k: int = 3
) -> list[list[str]]:
    """The k features that raise each account's score most, described in words."""
    values = contrib.to_numpy(float)
    best = np.argsort(-np.nan_to_num(values, nan=0.0), axis=1, kind="stable")[:, :k]
    columns = list(contrib.columns)
    data = {c: frame[c].to_numpy(object) for c in columns}
    reasons = []
    for i, picks in enumerate(best):
        reasons.append(
            [
                describe(columns[j], data[columns[j]][i], typical[columns[j]])
                for j in picks
                if values[i, j] > 0
            ]
        )
    return reasons
