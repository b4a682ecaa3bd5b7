"""What ``ml/`` builds around a trained model: the model card, the promotion decision and its
record, the drift summary, the score frame; and the facts shared with Dagster and dbt (the
score columns, the promotion rule's defaults) written once."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ml import registry
from ml.card import fingerprint, model_card
from ml.drift import DRIFT_PSI, drift_summary, drift_verdict
from ml.features import CATEGORICAL, LABEL, NUMERIC, prepare
from ml.promotion import RECORDED_METRICS, decision_record, register_and_decide
from ml.scoring import SCORE_COLUMNS, empty_scores, reuse_explained, score_frame, typed_select
from ml.training import train_and_evaluate

MACRO = Path(__file__).resolve().parents[1] / "dbt_project" / "macros" / "ensure_scores_table.sql"
# What the dbt type macros give on DuckDB.
DBT_TYPES = {
    "{{ dbt.type_string() }}": "VARCHAR",
    "{{ float_type() }}": "DOUBLE",
    "{{ dbt.type_bigint() }}": "BIGINT",
    "{{ dbt.type_timestamp() }}": "TIMESTAMP",
    "date": "DATE",
}


def _features(snapshots: int = 9, accounts: int = 200, seed: int = 0) -> pd.DataFrame:
    """A prepared feature frame whose label follows seat utilisation; the last snapshot is not
    labelled yet."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2025-01-31", periods=snapshots, freq="ME")
    frame = pd.DataFrame(
        [(f"A{a:03d}", d) for d in dates for a in range(accounts)],
        columns=["account_id", "snapshot_date"],
    )
    for col in NUMERIC:
        frame[col] = rng.random(len(frame)) * 10
    frame["seat_utilisation"] = rng.random(len(frame))
    for col in CATEGORICAL:
        frame[col] = rng.choice(["a", "b", "c"], len(frame))
    odds = 1 / (1 + np.exp(-(6 * frame["seat_utilisation"] - 4)))
    frame[LABEL] = pd.Series(rng.random(len(frame)) < odds, dtype="boolean")
    frame.loc[frame["snapshot_date"] == dates[-1], LABEL] = None
    return prepare(frame)


@pytest.fixture(scope="module")
def trained():
    frame = _features()
    return frame, train_and_evaluate(frame, seed=0)


def test_score_columns_are_the_ones_the_dbt_macro_creates():
    body = MACRO.read_text().split("create table if not exists", 1)[1]
    declared = re.findall(r"^\s+(\w+) (.+?),?$", body.split(")\n{% endmacro %}")[0], re.M)
    assert {name: DBT_TYPES[kind] for name, kind in declared} == SCORE_COLUMNS
    assert [name for name, _ in declared] == list(SCORE_COLUMNS)  # same order too
    assert list(empty_scores().columns) == list(SCORE_COLUMNS)
    assert typed_select("f").startswith("SELECT account_id::VARCHAR AS account_id, ")


def test_the_promotion_rule_defaults_are_the_dagster_run_config_defaults():
    from orchestration.defs.model import AUC_FLOOR, ModelConfig

    rule, config = registry.PromotionRule(), ModelConfig()
    assert (config.auc_margin, config.max_calibration_gap) == (
        rule.auc_margin,
        rule.max_calibration_gap,
    )
    assert rule.min_auc == AUC_FLOOR


def test_fingerprint_ignores_row_order_and_sees_a_changed_value():
    frame = _features(snapshots=4, accounts=20)
    shuffled = frame.sample(frac=1, random_state=1)
    assert fingerprint(shuffled) == fingerprint(frame)
    assert fingerprint(frame).startswith(f"{len(frame)}:")
    changed = frame.copy()
    changed.loc[0, "mrr"] += 1
    assert fingerprint(changed) != fingerprint(frame)


def test_model_card_records_windows_metrics_and_drift_references(trained):
    _, round_ = trained
    card = model_card(round_, "n:abc", seed=0)
    split = round_.split
    assert card["training_window"] == [
        str(split.train_snapshots[0]),
        str(split.train_snapshots[-1]),
    ]
    assert card["holdout_window"][1] == str(split.holdout_snapshots[-1])
    assert card["training_rows"] == len(split.train) and card["data_fingerprint"] == "n:abc"
    assert card["metrics"] is round_.metrics and card["baseline_metrics"] is round_.baseline_metrics
    assert len(card["training_scores"]) == 101
    assert card["training_scores"] == sorted(card["training_scores"])
    assert card["training_scores"][0] >= 0 and card["training_scores"][-1] <= 1
    assert set(card["training_features"]) == set(NUMERIC)
    assert card["training_features"]["seat_utilisation"][0] == pytest.approx(
        split.train["seat_utilisation"].min()
    )
    json.dumps(card, default=str)  # the registry writes it as JSON


def test_decision_record_keeps_the_compared_metrics():
    metrics = {"roc_auc": 0.8, "pr_auc": 0.5, "brier": 0.1, "top_decile_lift": 3.0, "x": 1}
    record = decision_record("v2", "v1", False, "why", metrics, metrics | {"roc_auc": 0.9})
    assert record["challenger_metrics"] == {k: metrics[k] for k in RECORDED_METRICS}
    assert record["champion_metrics"]["roc_auc"] == 0.9
    assert decision_record("v1", None, True, "first", metrics, None)["champion_metrics"] is None


def test_first_challenger_is_promoted_and_retraining_on_the_same_data_is_not(tmp_path, trained):
    frame, round_ = trained
    rule = registry.PromotionRule()
    first = register_and_decide(tmp_path, round_, fingerprint(frame), rule, seed=0)
    assert (first.promoted, first.reason, first.champion_before) == (True, "no champion yet", None)
    assert first.champion == first.challenger == registry.champion(tmp_path)
    assert first.champion_roc_auc == round_.metrics["roc_auc"]
    assert registry.card(tmp_path, first.challenger)["data_fingerprint"] == fingerprint(frame)

    again = register_and_decide(tmp_path, round_, fingerprint(frame), rule, seed=0)
    assert not again.promoted and "same data" in again.reason
    assert again.champion == first.challenger and again.champion_before == first.challenger
    assert again.champion_roc_auc == pytest.approx(round_.metrics["roc_auc"])
    lines = (tmp_path / registry.DECISIONS).read_text().splitlines()
    decisions = [json.loads(line) for line in lines]
    assert [d["promoted"] for d in decisions] == [True, False]
    assert decisions[1]["champion_metrics"]["roc_auc"] == pytest.approx(first.champion_roc_auc)

    unpromotable = registry.PromotionRule(min_auc=1.01)
    other = tmp_path / "other"
    none = register_and_decide(other, round_, fingerprint(frame), unpromotable, seed=0)
    assert not none.promoted and none.champion is None and none.champion_roc_auc is None


def test_drift_summary_and_verdict():
    rng = np.random.default_rng(0)
    reference = rng.random(5000)
    card = {
        "training_scores": np.quantile(reference, np.linspace(0, 1, 101)).tolist(),
        "training_features": {"mrr": np.quantile(reference, np.linspace(0, 1, 101)).tolist()},
    }
    same = drift_summary(card, pd.DataFrame({"mrr": rng.random(5000)}), rng.random(5000))
    assert set(same) == {"score", "mrr"} and max(same.values()) < 0.05
    assert drift_verdict(same) == (True, "feature and score distributions are close to training")
    moved = drift_summary(card, pd.DataFrame({"mrr": rng.random(5000) + 0.5}), rng.random(5000))
    passed, description = drift_verdict(moved)
    assert moved["mrr"] > DRIFT_PSI and not passed and "on mrr" in description
    assert drift_verdict({})[0]  # nothing measured (no champion)
    assert not drift_verdict({"score": float("nan")})[0]  # nothing measurable


def test_score_frame_joins_explained_scores_and_offers_from_owned_addons():
    latest = pd.DataFrame(
        {
            "account_id": ["a1", "a2", "a3"],
            "snapshot_date": pd.to_datetime(["2025-06-30"] * 3),
            "tier": [4.0, 4.0, 2.0],
            "seats": [10.0, 10.0, 10.0],
            "seat_utilisation": [0.1, 0.1, 0.1],
            "limit_hits_per_active_user": [0.0, 0.0, 3.0],
        }
    )
    explained = pd.DataFrame(
        {
            "probability": [0.9, 0.2, 0.5],
            "decile": [10, 2, 5],
            "reason_1": ["r", None, None],
            "reason_2": [None] * 3,
            "reason_3": [None] * 3,
            "reasons": ["r", "", ""],
            "scored_at": pd.Timestamp("2025-07-01"),
        }
    )
    owned = pd.DataFrame(
        [("a1", "SSO"), ("a2", "SSO"), ("a2", "AUDIT"), ("a4", "SSO"), ("a4", "AUDIT")],
        columns=["account_id", "product_id"],
    )
    scores = score_frame(latest, explained, owned, "v1")
    assert list(scores.columns) == list(SCORE_COLUMNS)
    assert scores["model_version"].tolist() == ["v1"] * 3
    assert scores["probability"].tolist() == [0.9, 0.2, 0.5]
    assert scores["snapshot_date"].astype(str).tolist() == ["2025-06-30"] * 3
    assert scores.loc[0, "recommended_offer"] == "addon AUDIT"  # owners of SSO also own AUDIT
    assert scores.loc[2, "recommended_offer"] == "plan_upgrade to tier 3"


def test_stored_scores_are_reused_in_the_latest_order_only_when_they_cover_every_account():
    latest = pd.DataFrame({"account_id": ["a2", "a1"]})
    stored = pd.DataFrame({"account_id": ["a1", "a2"], "probability": [0.1, 0.2]})
    assert reuse_explained(stored, latest)["probability"].tolist() == [0.2, 0.1]
    other = pd.DataFrame({"account_id": ["a1", "a3"], "probability": [0.1, 0.2]})
    assert reuse_explained(other, latest) is None
    assert reuse_explained(stored.head(1), latest) is None
