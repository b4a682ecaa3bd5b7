"""The upsell propensity model as Dagster assets: train a challenger and apply the promotion
rule (``propensity_model``), then score every paying account with the champion
(``propensity_scores``). The logic lives in ``ml/``; this module moves data in and out."""

import time

import dagster as dg
import pandas as pd

from ml import registry
from ml.card import fingerprint
from ml.drift import DRIFT_PSI, drift_summary, drift_verdict
from ml.promotion import Promotion, register_and_decide
from ml.report import as_markdown_image, lift_chart_svg
from ml.scoring import (
    EXPLAINED,
    empty_scores,
    explain,
    reuse_explained,
    score_frame,
)
from ml.split import HOLDOUT_SNAPSHOTS, NotEnoughHistory
from ml.training import MAX_TRAINING_ROWS, TrainingRound, train_and_evaluate
from orchestration.defs.model_data import features, owned_addons, training_features, write_scores
from orchestration.resources import WAREHOUSE_POOL, Installation
from upsell.targets.engine import literal

FEATURES_KEY = dg.AssetKey(["marts", "fct_account_features"])
ADDONS_KEY = dg.AssetKey(["intermediate", "int_account_addons_owned"])
MODEL_KEY = dg.AssetKey(["ml", "propensity_model"])
SCORES_KEY = dg.AssetKey(["ml", "propensity_scores"])
OWNER = "team:data-science"
AUC_FLOOR = registry.PromotionRule.min_auc


class ModelConfig(dg.Config):
    holdout_snapshots: int = HOLDOUT_SNAPSHOTS
    auc_margin: float = registry.PromotionRule.auc_margin
    max_calibration_gap: float = registry.PromotionRule.max_calibration_gap
    seed: int = 0
    max_training_rows: int = MAX_TRAINING_ROWS


def _training_metadata(trained: TrainingRound, promotion: Promotion, seconds: dict) -> dict:
    metrics, baseline = trained.metrics, trained.baseline_metrics
    lift = pd.DataFrame(
        {"decile": range(10, 0, -1), "lift": metrics["lift_by_decile"]}
    ).to_markdown(index=False)
    return {
        "challenger": promotion.challenger,
        "champion": promotion.champion,
        "promoted": promotion.promoted,
        "decision": promotion.reason,
        "holdout_roc_auc": metrics["roc_auc"],
        "holdout_pr_auc": metrics["pr_auc"],
        "holdout_brier": metrics["brier"],
        "top_decile_lift": metrics["top_decile_lift"],
        "baseline_roc_auc": baseline["roc_auc"],
        "baseline_top_decile_lift": baseline["top_decile_lift"],
        "lift_by_decile": dg.MetadataValue.md(lift),
        "lift_chart": dg.MetadataValue.md(
            as_markdown_image(lift_chart_svg(metrics["lift_by_decile"]), "lift by decile")
        ),
        "calibration": dg.MetadataValue.json(metrics["calibration"]),
        **{f"seconds_{step}": round(s, 3) for step, s in seconds.items()},
        "training_rows": len(trained.split.train),
    }


def _auc_check(promotion: Promotion) -> dg.AssetCheckResult:
    champion_auc = promotion.champion_roc_auc
    return dg.AssetCheckResult(
        check_name="holdout_auc_above_floor",
        passed=champion_auc is not None and champion_auc >= AUC_FLOOR,
        # too little signal for a first model is a fact of the data, not a failure of the run
        severity=dg.AssetCheckSeverity.WARN
        if champion_auc is None
        else dg.AssetCheckSeverity.ERROR,
        description=(
            f"no champion model: the first challenger was not promoted ({promotion.reason}); "
            "the score columns stay null until one is"
            if champion_auc is None
            else None
        ),
        metadata={"champion_holdout_roc_auc": champion_auc, "floor": AUC_FLOOR},
    )


@dg.asset(
    key=MODEL_KEY,
    deps=[FEATURES_KEY],
    group_name="ml",
    kinds={"scikitlearn"},
    owners=[OWNER],
    description="Trains a challenger on the point-in-time features (out-of-time split), "
    "evaluates it and a logistic baseline on the holdout, registers it under "
    "UPSELL_MODEL_DIR and promotes it to champion only by the promotion rule.",
    check_specs=[
        dg.AssetCheckSpec(
            "holdout_auc_above_floor",
            asset=MODEL_KEY,
            description=f"The champion's holdout ROC AUC is at least {AUC_FLOOR}.",
        )
    ],
)
def propensity_model(
    context: dg.AssetExecutionContext, config: ModelConfig, installation: Installation
):
    started = time.perf_counter()
    frame = training_features(installation, config.max_training_rows)
    loaded = time.perf_counter()
    try:
        trained = train_and_evaluate(frame, config.holdout_snapshots, config.seed)
    except NotEnoughHistory as exc:
        context.log.warning(f"training skipped: {exc}")
        yield dg.MaterializeResult(metadata={"skipped": str(exc)})
        yield dg.AssetCheckResult(
            check_name="holdout_auc_above_floor",
            passed=True,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"no model trained: {exc}",
        )
        return
    trained_at = time.perf_counter()
    rule = registry.PromotionRule(
        auc_margin=config.auc_margin, max_calibration_gap=config.max_calibration_gap
    )
    promotion = register_and_decide(
        installation.model_root, trained, fingerprint(frame), rule, config.seed
    )
    context.log.info(
        f"challenger {promotion.challenger}: "
        f"{'promoted' if promotion.promoted else 'not promoted'}: {promotion.reason}"
    )
    seconds = {
        "loading_features": loaded - started,
        "training_and_evaluating": trained_at - loaded,
        "fitting_model": trained.seconds,
    }
    yield dg.MaterializeResult(metadata=_training_metadata(trained, promotion, seconds))
    yield _auc_check(promotion)


def _previous_scores(
    context: dg.AssetExecutionContext,
    installation: Installation,
    latest: pd.DataFrame,
    version: str,
    features_fingerprint: str,
) -> pd.DataFrame | None:
    """The stored probabilities and reasons, in ``latest``'s row order, when they were computed
    by the same champion from the same features. Features are point in time, so on most days
    (no new month-end snapshot, no new champion) neither changed and explaining again would
    give the same result."""
    event = context.instance.get_latest_materialization_event(SCORES_KEY)
    materialization = event.asset_materialization if event else None
    metadata = materialization.metadata if materialization else {}
    made_from = [metadata.get(k) for k in ("model_version", "features_fingerprint")]
    if [m.value if m else None for m in made_from] != [version, features_fingerprint]:
        return None
    with installation.open_target(read_only=True) as target:
        if not target.table_exists("ml", "propensity_scores"):
            return None
        stored = target.read_frame(
            f"SELECT account_id, {', '.join(EXPLAINED)} FROM ml.propensity_scores "
            f"WHERE model_version = {literal(version)}"
        )
    return reuse_explained(stored, latest)


def _score_checks(scores: pd.DataFrame, latest: pd.DataFrame, version: str | None, drift: dict):
    probabilities = scores["probability"].astype(float)
    yield dg.AssetCheckResult(
        check_name="scores_are_probabilities",
        passed=bool(((probabilities >= 0) & (probabilities <= 1)).all()),
        metadata={
            "min": float(probabilities.min()) if len(scores) else 0.0,
            "max": float(probabilities.max()) if len(scores) else 0.0,
        },
    )
    expected = len(latest) if version is not None else 0
    yield dg.AssetCheckResult(
        check_name="one_row_per_active_account",
        passed=bool(scores["account_id"].is_unique and len(scores) == expected),
        metadata={"rows": len(scores), "active_accounts": len(latest)},
    )
    passed, description = drift_verdict(drift, DRIFT_PSI)
    yield dg.AssetCheckResult(
        check_name="no_drift_from_training",
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={"psi": dg.MetadataValue.json({k: round(v, 4) for k, v in drift.items()})},
    )


def _top_10(scores: pd.DataFrame) -> dg.MetadataValue:
    if not len(scores):
        return dg.MetadataValue.md("(no scores)")
    top = scores.nlargest(10, "probability")[["account_id", "probability", "recommended_offer"]]
    return dg.MetadataValue.md(top.to_markdown(index=False))


@dg.asset(
    key=SCORES_KEY,
    deps=[MODEL_KEY, FEATURES_KEY, ADDONS_KEY],
    pool=WAREHOUSE_POOL,
    group_name="ml",
    kinds={"scikitlearn", "duckdb"},
    owners=[OWNER],
    description="`ml.propensity_scores`: every paying account at the latest snapshot scored "
    "by the champion: probability, decile (10 = most likely), three reasons in words, the "
    "recommended offer and why, model version, scored_at. Empty until a champion exists.",
    check_specs=[
        dg.AssetCheckSpec("scores_are_probabilities", asset=SCORES_KEY, blocking=True),
        dg.AssetCheckSpec("one_row_per_active_account", asset=SCORES_KEY, blocking=True),
        dg.AssetCheckSpec("no_drift_from_training", asset=SCORES_KEY),
    ],
)
def propensity_scores(context: dg.AssetExecutionContext, installation: Installation):
    root = installation.model_root
    started = time.perf_counter()
    latest = features(installation).reset_index(drop=True)
    loaded = scored = time.perf_counter()
    version = registry.champion(root)
    features_fingerprint = fingerprint(latest)
    scores, drift, reused = empty_scores(), {}, False
    if version is None:
        context.log.warning("no champion model yet: scores stay empty until one is trained")
    else:
        card = registry.card(root, version)
        explained = _previous_scores(context, installation, latest, version, features_fingerprint)
        reused = explained is not None
        if not reused:
            explained = explain(registry.load(root, version), card, latest)
        scores = score_frame(latest, explained, owned_addons(installation), version)
        scored = time.perf_counter()
        drift = drift_summary(card, latest, explained["probability"].to_numpy(float))
    write_scores(installation, scores)
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(scores),
            "seconds_loading_features": round(loaded - started, 3),
            # prediction, reasons and offers (0 without a champion)
            "seconds_scoring": round(scored - loaded, 3),
            "reused_unchanged_scores": reused,
            "features_fingerprint": features_fingerprint,
            "model_version": version or "none",
            "snapshot_date": str(latest["snapshot_date"].max()) if len(latest) else "none",
            "top_10": _top_10(scores),
        }
    )
    yield from _score_checks(scores, latest, version, drift)
