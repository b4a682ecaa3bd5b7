"""The upsell propensity model as Dagster assets: train a challenger and apply the promotion
rule (``propensity_model``), then score every paying account with the champion
(``propensity_scores``). The logic lives in ``ml/``; this module moves data in and out."""

import time
from datetime import UTC, datetime

import dagster as dg
import numpy as np
import pandas as pd

from ml import registry
from ml.drift import psi
from ml.evaluate import deciles, evaluate
from ml.explain import probabilities_and_contributions, reference_row, top_reasons
from ml.features import FEATURES, LABEL, NUMERIC, prepare
from ml.offers import association_rules, next_best_offers
from ml.report import as_markdown_image, lift_chart_svg
from ml.split import NotEnoughHistory
from ml.train import predict
from ml.training import train_and_evaluate
from orchestration.resources import WAREHOUSE_POOL, Warehouse
from upsell.warehouse import read_frame, table_exists

FEATURES_KEY = dg.AssetKey(["marts", "fct_account_features"])
MODEL_KEY = dg.AssetKey(["ml", "propensity_model"])
SCORES_KEY = dg.AssetKey(["ml", "propensity_scores"])
OWNER = "team:data-science"
AUC_FLOOR = 0.6
DRIFT_PSI = 0.25
SCORE_REFERENCE_ROWS = 50_000  # training rows scored for the drift reference
SCORE_COLUMNS = {
    "account_id": "VARCHAR",  # same columns as dbt_project/macros/ensure_scores_table.sql
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


class ModelConfig(dg.Config):
    holdout_snapshots: int = 3
    auc_margin: float = 0.01
    max_calibration_gap: float = 0.1
    seed: int = 0
    # Bounds training memory (about 1 GB of features); 100k accounts x 2 years is ~1.3 M.
    max_training_rows: int = 2_000_000


def _features(warehouse: Warehouse, where: str) -> pd.DataFrame:
    with warehouse.connect() as con:
        # A fixed row order: training samples its validation rows by position, so the same
        # features must always arrive in the same order for the same model to come out.
        frame = read_frame(
            con,
            f"SELECT * FROM marts.fct_account_features WHERE {where} "
            "ORDER BY snapshot_date, account_id",
        )
    return prepare(frame)


def _training_features(warehouse: Warehouse, max_rows: int) -> pd.DataFrame:
    """The labelled rows; above ``max_rows``, those of a fixed sample of accounts (whole
    histories, so the split stays out of time), to bound the memory training needs."""
    labelled = "expanded_90d IS NOT NULL"
    with warehouse.connect() as con:
        rows = con.execute(f"SELECT count(*) FROM marts.fct_account_features WHERE {labelled}")
        per_10k = accounts_per_10k(rows.fetchone()[0], max_rows)
    sample = "" if per_10k >= 10_000 else f" AND hash(account_id) % 10000 < {per_10k}"
    return _features(warehouse, labelled + sample)


def accounts_per_10k(rows: int, max_rows: int) -> int:
    """How many accounts in 10,000 to train on so that about ``max_rows`` rows are used."""
    if rows <= max_rows:
        return 10_000
    return max(1, int(10_000 * max_rows / rows))


def _fingerprint(frame: pd.DataFrame) -> str:
    hashed = pd.util.hash_pandas_object(
        frame.sort_values(["account_id", "snapshot_date"]), index=False
    )
    return f"{len(frame)}:{int(hashed.sum()) & 0xFFFFFFFFFFFF:012x}"


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
def propensity_model(context: dg.AssetExecutionContext, config: ModelConfig, warehouse: Warehouse):
    root = warehouse.model_root
    started = time.perf_counter()
    frame = _training_features(warehouse, config.max_training_rows)
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
    split, model, metrics = trained.split, trained.model, trained.metrics
    baseline = trained.baseline_metrics
    y = split.holdout[LABEL].astype(int).to_numpy()
    reference_rows = min(len(split.train), SCORE_REFERENCE_ROWS)
    fingerprint = _fingerprint(frame)
    version = registry.register(
        root,
        model,
        {
            "features": {c: str(split.train[c].dtype) for c in FEATURES},
            "training_window": [str(split.train_snapshots[0]), str(split.train_snapshots[-1])],
            "holdout_window": [str(split.holdout_snapshots[0]), str(split.holdout_snapshots[-1])],
            "training_rows": len(split.train),
            "data_fingerprint": fingerprint,
            "metrics": metrics,
            "baseline_metrics": baseline,
            "reference": reference_row(split.train),
            # score drift is measured against these 101 quantiles: a fixed sample of the
            # training rows estimates them (scoring all of them cost 5 s at 100k accounts)
            "training_scores": np.quantile(
                predict(model, split.train.sample(n=reference_rows, random_state=config.seed)),
                np.linspace(0, 1, 101),
            ).tolist(),
            "training_features": {
                c: np.nanquantile(split.train[c], np.linspace(0, 1, 101)).tolist()
                for c in NUMERIC
                if split.train[c].notna().any()
            },
        },
    )
    current = registry.champion(root)
    champion_metrics = None
    same_data = False
    if current is not None:
        same_data = registry.card(root, current)["data_fingerprint"] == fingerprint
        champion_metrics = evaluate(y, predict(registry.load(root, current), split.holdout))
    rule = registry.PromotionRule(
        auc_margin=config.auc_margin, max_calibration_gap=config.max_calibration_gap
    )
    promoted, reason = registry.decide(metrics, champion_metrics, rule, same_data=same_data)
    registry.record_decision(
        root,
        {
            "challenger": version,
            "champion_before": current,
            "promoted": promoted,
            "reason": reason,
            "challenger_metrics": {
                k: metrics[k] for k in ("roc_auc", "pr_auc", "brier", "top_decile_lift")
            },
            "champion_metrics": (
                {k: champion_metrics[k] for k in ("roc_auc", "pr_auc", "brier", "top_decile_lift")}
                if champion_metrics
                else None
            ),
        },
    )
    context.log.info(
        f"challenger {version}: {'promoted' if promoted else 'not promoted'}: {reason}"
    )
    champion_now = registry.champion(root)
    if champion_now is None:  # a first challenger that was not promoted: nothing scores
        champion_auc = None
    else:
        champion_auc = (
            metrics["roc_auc"] if champion_now == version else champion_metrics["roc_auc"]
        )
    lift = pd.DataFrame(
        {"decile": range(10, 0, -1), "lift": metrics["lift_by_decile"]}
    ).to_markdown(index=False)
    yield dg.MaterializeResult(
        metadata={
            "challenger": version,
            "champion": champion_now,
            "promoted": promoted,
            "decision": reason,
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
            "seconds_loading_features": round(loaded - started, 3),
            "seconds_training_and_evaluating": round(trained_at - loaded, 3),
            "seconds_fitting_model": round(trained.seconds, 3),
            "training_rows": len(split.train),
        }
    )
    yield dg.AssetCheckResult(
        check_name="holdout_auc_above_floor",
        passed=champion_auc is not None and champion_auc >= AUC_FLOOR,
        # too little signal for a first model is a fact of the data, not a failure of the run
        severity=dg.AssetCheckSeverity.WARN
        if champion_auc is None
        else dg.AssetCheckSeverity.ERROR,
        description=(
            f"no champion model: the first challenger was not promoted ({reason}); the score "
            "columns stay null until one is"
            if champion_auc is None
            else None
        ),
        metadata={"champion_holdout_roc_auc": champion_auc, "floor": AUC_FLOOR},
    )


def _owned_addons(con) -> tuple[pd.DataFrame, dict]:
    baskets = con.execute(
        "SELECT DISTINCT o.account_id, i.product_id FROM intermediate.int_orders o "
        "JOIN staging.stg_shop__order_items i USING (order_id) "
        "JOIN staging.stg_shop__products p USING (product_id) WHERE o.is_completed AND p.is_addon"
    ).df()
    owned = baskets.groupby("account_id")["product_id"].apply(set).to_dict()
    return baskets, owned


LATEST_SNAPSHOT = "snapshot_date = (SELECT max(snapshot_date) FROM marts.fct_account_features)"
EXPLAINED = ["probability", "decile", "reason_1", "reason_2", "reason_3", "reasons", "scored_at"]


def _explain(model, card: dict, latest: pd.DataFrame) -> pd.DataFrame:
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


def _previous_scores(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    latest: pd.DataFrame,
    version: str,
    fingerprint: str,
) -> pd.DataFrame | None:
    """The stored probabilities and reasons, in ``latest``'s row order, when they were computed
    by the same champion from the same features. Features are point in time, so on most days
    (no new month-end snapshot, no new champion) neither changed and explaining again would
    give the same result."""
    event = context.instance.get_latest_materialization_event(SCORES_KEY)
    materialization = event.asset_materialization if event else None
    metadata = materialization.metadata if materialization else {}
    made_from = [metadata.get(k) for k in ("model_version", "features_fingerprint")]
    if [m.value if m else None for m in made_from] != [version, fingerprint]:
        return None
    with warehouse.connect() as con:
        if not table_exists(con, "ml", "propensity_scores"):
            return None
        stored = con.execute(
            f"SELECT account_id, {', '.join(EXPLAINED)} FROM ml.propensity_scores "
            "WHERE model_version = ?",
            [version],
        ).df()
    if len(stored) != len(latest):
        return None
    explained = latest[["account_id"]].merge(stored, on="account_id", how="left")
    return None if explained["probability"].isna().any() else explained.drop(columns="account_id")


@dg.asset(
    key=SCORES_KEY,
    deps=[MODEL_KEY, FEATURES_KEY],
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
def propensity_scores(context: dg.AssetExecutionContext, warehouse: Warehouse):
    root = warehouse.model_root
    started = time.perf_counter()
    latest = _features(warehouse, LATEST_SNAPSHOT).reset_index(drop=True)
    loaded = scored = time.perf_counter()
    version = registry.champion(root)
    fingerprint = _fingerprint(latest)
    scores = pd.DataFrame(columns=list(SCORE_COLUMNS))
    drift, reused = {}, False
    if version is None:
        context.log.warning("no champion model yet: scores stay empty until one is trained")
    else:
        card = registry.card(root, version)
        explained = _previous_scores(context, warehouse, latest, version, fingerprint)
        reused = explained is not None
        if not reused:
            explained = _explain(registry.load(root, version), card, latest)
        probability = explained["probability"].to_numpy(float)
        with warehouse.connect() as con:
            baskets, owned = _owned_addons(con)
        # Offers follow what accounts own today, so they are recomputed every run.
        offers = next_best_offers(latest, owned, association_rules(baskets))
        scores = pd.DataFrame(
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
        scored = time.perf_counter()
        drift = {"score": psi(np.array(card["training_scores"]), probability)}
        for col, quantiles in card["training_features"].items():
            drift[col] = psi(np.array(quantiles), latest[col].to_numpy(float))
    with warehouse.connect() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS ml")
        con.register("scores_frame", scores)
        typed = ", ".join(f"{name}::{kind} AS {name}" for name, kind in SCORE_COLUMNS.items())
        con.execute(
            f"CREATE OR REPLACE TABLE ml.propensity_scores AS SELECT {typed} FROM scores_frame"
        )
        con.unregister("scores_frame")
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(scores),
            "seconds_loading_features": round(loaded - started, 3),
            # prediction, reasons and offers (0 without a champion)
            "seconds_scoring": round(scored - loaded, 3),
            "reused_unchanged_scores": reused,
            "features_fingerprint": fingerprint,
            "model_version": version or "none",
            "snapshot_date": str(latest["snapshot_date"].max()) if len(latest) else "none",
            "top_10": dg.MetadataValue.md(
                scores.nlargest(10, "probability")[
                    ["account_id", "probability", "recommended_offer"]
                ].to_markdown(index=False)
                if len(scores)
                else "(no scores)"
            ),
        }
    )
    probabilities = scores["probability"].astype(float)
    yield dg.AssetCheckResult(
        check_name="scores_are_probabilities",
        passed=bool(((probabilities >= 0) & (probabilities <= 1)).all()),
        metadata={
            "min": float(probabilities.min()) if len(scores) else 0.0,
            "max": float(probabilities.max()) if len(scores) else 0.0,
        },
    )
    unique = scores["account_id"].is_unique
    expected = len(latest) if version is not None else 0
    yield dg.AssetCheckResult(
        check_name="one_row_per_active_account",
        passed=bool(unique and len(scores) == expected),
        metadata={"rows": len(scores), "active_accounts": len(latest)},
    )
    worst = max(
        drift.items(), key=lambda kv: kv[1] if np.isfinite(kv[1]) else -1, default=(None, 0.0)
    )
    yield dg.AssetCheckResult(
        check_name="no_drift_from_training",
        passed=bool(not drift or worst[1] <= DRIFT_PSI),
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"largest PSI {worst[1]:.3f} on {worst[0]}: consider retraining"
            if drift and worst[1] > DRIFT_PSI
            else "feature and score distributions are close to training"
        ),
        metadata={"psi": dg.MetadataValue.json({k: round(v, 4) for k, v in drift.items()})},
    )
