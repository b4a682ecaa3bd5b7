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


def contributions(predict, frame: pd.DataFrame, typical: dict) -> pd.DataFrame:
    """Probability drop per feature when it is replaced by its typical value (rows x features)."""
    base = predict(frame)
    out = {}
    for col in FEATURES:
        changed = frame.copy()
        changed[col] = typical[col]
        out[col] = base - predict(changed)
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
    reasons = []
    for idx, row in contrib.iterrows():
        best = row[row > 0].sort_values(ascending=False).index[:k]
        reasons.append([describe(f, frame.at[idx, f], typical[f]) for f in best])
    return reasons
