"""The score frame written to ``ml.propensity_scores``: probability, decile, three reasons,
the next best offer and why, the model version. Its columns are defined once here; the dbt
macro ``ensure_scores_table`` creates the same table empty (a test compares the two)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa

from ml.evaluate import deciles
from ml.explain import probabilities_and_contributions, top_reasons
from ml.offers import association_rules, next_best_offers

SCORE_COLUMNS = {
    "account_id": "VARCHAR",
    "snapshot_date": "DATE",
    "probability": "DOUBLE",
    "decile": "BIGINT",
    "reason_1": "VARCHAR",
    "reason_2": "VARCHAR",
    "reason_3": "VARCHAR",
    "reasons": "VARCHAR",
    "recommended_offer": "VARCHAR",
    "offer_reason": "VARCHAR",
    "model_version": "VARCHAR",
    "scored_at": "TIMESTAMP",
}
# The columns that depend only on the model and the features (reusable while neither changed).
EXPLAINED = ["probability", "decile", "reason_1", "reason_2", "reason_3", "reasons", "scored_at"]


def empty_scores() -> pd.DataFrame:
    return pd.DataFrame(columns=list(SCORE_COLUMNS))


# The Arrow type of each warehouse type above, for engines written through Arrow.
ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "DOUBLE": pa.float64(),
    "BIGINT": pa.int64(),
    "TIMESTAMP": pa.timestamp("us"),
}


def score_table(scores: pd.DataFrame) -> pa.Table:
    """``scores`` as Arrow, every column of its warehouse type, in ``SCORE_COLUMNS`` order."""
    columns = {}
    for name, kind in SCORE_COLUMNS.items():
        values = scores[name]
        if kind == "DATE":
            values = pd.to_datetime(values).dt.date
        columns[name] = pa.array(values, type=ARROW_TYPES[kind], from_pandas=True)
    return pa.table(columns)


def typed_select(frame: str) -> str:
    """A SELECT of ``frame`` with every score column cast to its warehouse type."""
    typed = ", ".join(f"{name}::{kind} AS {name}" for name, kind in SCORE_COLUMNS.items())
    return f"SELECT {typed} FROM {frame}"


def explain(model, card: dict, latest: pd.DataFrame) -> pd.DataFrame:
    """Probability, decile and the three reasons of every row: the expensive part of scoring
    (the per-feature contributions)."""
    probability, contrib = probabilities_and_contributions(model, latest, card["reference"])
    reasons = top_reasons(latest, contrib, card["reference"])
    return pd.DataFrame(
        {
            "probability": probability,
            "decile": deciles(probability),
            "reason_1": reasons[:, 0],
            "reason_2": reasons[:, 1],
            "reason_3": reasons[:, 2],
            "reasons": ["; ".join(r for r in row if r) for row in reasons.tolist()],
            "scored_at": datetime.now(UTC).replace(tzinfo=None),
        }
    )


def reuse_explained(stored: pd.DataFrame, latest: pd.DataFrame) -> pd.DataFrame | None:
    """``stored`` (account_id and the EXPLAINED columns, from the same champion and features)
    in ``latest``'s row order, or None when it does not cover exactly ``latest``'s accounts."""
    if len(stored) != len(latest):
        return None
    explained = latest[["account_id"]].merge(stored, on="account_id", how="left")
    return None if explained["probability"].isna().any() else explained.drop(columns="account_id")


def score_frame(
    latest: pd.DataFrame, explained: pd.DataFrame, owned_addons: pd.DataFrame, version: str
) -> pd.DataFrame:
    """One row per account of ``latest``: its explained score and the next best add-on.
    ``owned_addons`` holds one (account_id, product_id) row per add-on an account owns."""
    owned = owned_addons.groupby("account_id")["product_id"].apply(set).to_dict()
    # Offers follow what accounts own today, so they are recomputed on every run.
    offers = next_best_offers(latest, owned, association_rules(owned_addons))
    return pd.DataFrame(
        {
            "account_id": latest["account_id"],
            "snapshot_date": pd.to_datetime(latest["snapshot_date"]).dt.date,
            **{c: explained[c] for c in EXPLAINED if c != "scored_at"},
            "recommended_offer": [o[0] for o in offers],
            "offer_reason": [o[1] for o in offers],
            "model_version": version,
            "scored_at": explained["scored_at"],
        }
    )
