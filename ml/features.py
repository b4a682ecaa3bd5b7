"""The model's inputs: which columns of ``marts.fct_account_features`` it uses, and the few
ratios derived from them."""

from __future__ import annotations

import numpy as np
import pandas as pd

KEY = ["account_id", "snapshot_date"]
LABEL = "expanded_90d"
CATEGORICAL = ["segment", "industry", "country_code"]
NUMERIC = [
    "mrr", "mrr_change_3m", "mrr_change_6m", "mrr_change_12m", "tier", "seats", "discount_pct",
    "has_annual_plan", "paying_subscriptions", "tenure_months", "mrr_increases_12m",
    "seat_utilisation", "seat_utilisation_trend", "usage_growth", "feature_limit_hits_30d",
    "orders_365d", "addon_orders", "addon_orders_365d", "addon_spend", "days_since_last_order",
    "latest_nps", "latest_csat", "tickets_90d", "urgent_tickets_90d", "open_tickets",
    "activities_90d", "open_expansion_opportunities", "offers_180d", "employee_count",
]  # fmt: skip
DERIVED = ["limit_hits_per_active_user", "mrr_per_seat", "seats_per_employee"]
FEATURES = NUMERIC + DERIVED + CATEGORICAL


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return numerator / denominator.where(denominator > 0)


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """The feature frame the model sees: numeric columns as floats, the derived ratios, and
    categoricals as strings (missing as 'unknown')."""
    out = frame.copy()
    for col in NUMERIC:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    active_users = out["seat_utilisation"] * out["seats"]
    out["limit_hits_per_active_user"] = _ratio(out["feature_limit_hits_30d"], active_users)
    out["mrr_per_seat"] = _ratio(out["mrr"], out["seats"])
    out["seats_per_employee"] = _ratio(out["seats"], out["employee_count"])
    for col in CATEGORICAL:
        out[col] = out[col].astype("object").where(out[col].notna(), "unknown").astype(str)
    out[DERIVED] = out[DERIVED].replace([np.inf, -np.inf], np.nan)
    return out
