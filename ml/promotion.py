"""Registering a challenger and applying the promotion rule against the champion on the same
holdout; every decision is recorded with its figures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ml import registry
from ml.card import model_card
from ml.evaluate import evaluate
from ml.features import LABEL
from ml.fit import predict
from ml.training import TrainingRound

RECORDED_METRICS = ("roc_auc", "pr_auc", "brier", "top_decile_lift")


@dataclass(frozen=True)
class Promotion:
    challenger: str
    champion_before: str | None
    champion: str | None  # after the decision; None while no challenger was ever promoted
    promoted: bool
    reason: str
    champion_roc_auc: float | None  # the champion's holdout ROC AUC after the decision


def decision_record(
    challenger: str,
    champion_before: str | None,
    promoted: bool,
    reason: str,
    challenger_metrics: dict,
    champion_metrics: dict | None,
) -> dict:
    """The line appended to the registry's decision log."""
    return {
        "challenger": challenger,
        "champion_before": champion_before,
        "promoted": promoted,
        "reason": reason,
        "challenger_metrics": {k: challenger_metrics[k] for k in RECORDED_METRICS},
        "champion_metrics": (
            {k: champion_metrics[k] for k in RECORDED_METRICS} if champion_metrics else None
        ),
    }


def register_and_decide(
    root: Path,
    trained: TrainingRound,
    data_fingerprint: str,
    rule: registry.PromotionRule,
    seed: int,
) -> Promotion:
    """Register the challenger, score the champion on the challenger's holdout, decide by the
    rule, record the decision (which moves the champion on promotion)."""
    metrics = trained.metrics
    version = registry.register(root, trained.model, model_card(trained, data_fingerprint, seed))
    current = registry.champion(root)
    champion_metrics = None
    same_data = False
    if current is not None:
        same_data = registry.card(root, current)["data_fingerprint"] == data_fingerprint
        y = trained.split.holdout[LABEL].astype(int).to_numpy()
        champion_metrics = evaluate(y, predict(registry.load(root, current), trained.split.holdout))
    promoted, reason = registry.decide(metrics, champion_metrics, rule, same_data=same_data)
    registry.record_decision(
        root, decision_record(version, current, promoted, reason, metrics, champion_metrics)
    )
    champion_now = registry.champion(root)
    if champion_now is None:
        champion_auc = None
    elif champion_now == version:
        champion_auc = metrics["roc_auc"]
    else:
        champion_auc = champion_metrics["roc_auc"]
    return Promotion(version, current, champion_now, promoted, reason, champion_auc)
