"""The pure functions of ``ml/``: split, metrics, reasons, offers, drift, registry."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from ml import registry
from ml.drift import psi
from ml.evaluate import deciles, evaluate, lift_table
from ml.explain import (
    describe,
    encoded,
    probabilities_and_contributions,
    reference_row,
    swap_drops,
    top_reasons,
    tree_drops,
)
from ml.features import CATEGORICAL, FEATURES, LABEL, NUMERIC, prepare
from ml.fit import fit_baseline, fit_model
from ml.offers import association_rules, next_best_offer
from ml.split import NotEnoughHistory, out_of_time_split


def _frame(snapshots: int, accounts: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2025-01-31", periods=snapshots, freq="ME")
    frame = pd.DataFrame(
        [(f"A{a}", d) for d in dates for a in range(accounts)],
        columns=["account_id", "snapshot_date"],
    )
    frame[LABEL] = pd.Series(rng.random(len(frame)) < 0.3, dtype="boolean")
    frame.loc[frame["snapshot_date"] == dates[-1], LABEL] = None  # window not observed yet
    return frame


@settings(max_examples=25, deadline=None)
@given(st.integers(8, 20), st.integers(1, 4))
def test_split_never_mixes_time(snapshots, holdout):
    split = out_of_time_split(_frame(snapshots), holdout_snapshots=holdout, min_rows=10)
    assert max(split.train["snapshot_date"]) < min(split.holdout["snapshot_date"])
    assert len(split.holdout_snapshots) == holdout
    assert split.train[LABEL].notna().all() and split.holdout[LABEL].notna().all()
    accounts_in_both = set(split.train["account_id"]) & set(split.holdout["account_id"])
    assert accounts_in_both  # the same account appears on both sides, at different times only


def test_too_little_history_is_said_in_one_line():
    with pytest.raises(NotEnoughHistory, match="labelled month-end snapshots"):
        out_of_time_split(_frame(4))


def test_metrics_agree_with_sklearn():
    rng = np.random.default_rng(1)
    p = rng.random(1000)
    y = (rng.random(1000) < p).astype(int)
    m = evaluate(y, p)
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, p))
    assert m["pr_auc"] == pytest.approx(average_precision_score(y, p))
    assert m["brier"] == pytest.approx(brier_score_loss(y, p))
    top = p >= np.quantile(p, 0.9)
    assert m["top_decile_lift"] == pytest.approx(y[top].mean() / y.mean(), rel=0.02)
    assert m["calibration_gap"] < 0.06  # these probabilities are calibrated by construction


def test_lift_of_a_perfect_ranking_and_deciles_of_equal_size():
    y = np.array([0] * 90 + [1] * 10)
    table = lift_table(y, np.arange(100) / 100)
    assert table.iloc[0]["lift"] == pytest.approx(10.0)
    assert table.iloc[0]["capture"] == 1.0
    assert np.bincount(deciles(np.random.default_rng(0).random(1000)))[1:].tolist() == [100] * 10


def test_reasons_name_the_features_that_raise_the_score():
    frame = pd.DataFrame({"seat_utilisation": [0.96, 0.2], "latest_nps": [9.0, 3.0]})
    typical = {"seat_utilisation": 0.6, "latest_nps": 7.0}
    contrib = pd.DataFrame({"seat_utilisation": [0.2, -0.1], "latest_nps": [0.05, -0.2]})
    reasons = top_reasons(frame, contrib, typical, k=2)
    assert reasons[0].tolist() == ["seat utilisation 96% (high)", "latest NPS 9 (high)"]
    assert reasons[1].tolist() == [None, None]  # nothing raises the second account's score
    assert describe("mrr_change_3m", 0.25, 0.0) == "MRR change over 3 months +25% (high)"
    assert describe("latest_nps", np.nan, 7.0) == "latest NPS unknown"
    assert describe("segment", "smb", "mid_market") == "segment smb"


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4))
def test_reasons_are_each_rows_largest_positive_contributions_in_order(seed, k):
    rng = np.random.default_rng(seed)
    columns = ["seat_utilisation", "latest_nps", "mrr", "tier", "segment"]
    frame = pd.DataFrame(
        {
            "seat_utilisation": rng.random(40),
            "latest_nps": np.where(rng.random(40) < 0.3, np.nan, rng.integers(0, 11, 40)),
            "mrr": rng.random(40) * 1000,
            "tier": rng.integers(1, 5, 40),
            "segment": rng.choice(["smb", "enterprise"], 40),
        }
    )
    typical = dict(zip(columns, [0.5, 7.0, 500.0, 2, "smb"], strict=True))
    # ties, zeros, gaps and negatives, as contributions have
    contrib = pd.DataFrame(rng.choice([-0.2, 0.0, 0.1, 0.3, np.nan], (40, 5)), columns=columns)
    reasons = top_reasons(frame, contrib, typical, k=k)
    for i in range(len(frame)):
        positive = [(-contrib.iloc[i][c], n, c) for n, c in enumerate(columns)
                    if contrib.iloc[i][c] > 0]  # fmt: skip
        value = {c: frame[c].to_numpy(object)[i] for c in columns}  # as Python numbers
        expected = [describe(c, value[c], typical[c]) for _, _, c in sorted(positive)]
        assert reasons[i].tolist() == (expected + [None] * k)[:k]


def _features_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """Random features with gaps, categories and a label that depends on a few of them."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({col: rng.normal(size=rows) for col in NUMERIC})
    frame.loc[rng.random(rows) < 0.2, "latest_nps"] = np.nan
    frame["mrr_change_12m"] = np.nan  # never known: the model leaves it out
    for col in CATEGORICAL:
        frame[col] = rng.choice(["a", "b", "c", None], size=rows)
    signal = frame["seat_utilisation"] + (frame["segment"] == "a") - frame["tier"]
    frame[LABEL] = rng.random(rows) < 1 / (1 + np.exp(-2 * signal))
    return prepare(frame)


def test_tree_contributions_equal_swapping_each_feature_and_predicting_again():
    frame = _features_frame(3000)
    pipeline = fit_model(frame)
    typical = reference_row(frame)
    model, matrix, reference, columns = encoded(pipeline, frame, typical)
    assert columns[FEATURES.index("mrr_change_12m")] is None
    slow_probability, slow = swap_drops(model, matrix, reference, columns)
    # chunks of unequal size
    probability, fast = tree_drops(model, matrix, reference, columns, chunk=700)
    assert np.abs(fast - slow).max() < 1e-12
    assert np.abs(fast).max() > 0.05  # the comparison is not between two zero matrices
    # summed as scikit-learn sums them: the very probabilities it predicts
    assert np.array_equal(probability, pipeline.predict_proba(frame[FEATURES])[:, 1])
    assert np.array_equal(slow_probability, probability)
    probability, contrib = probabilities_and_contributions(pipeline, frame, typical)
    assert np.array_equal(probability, pipeline.predict_proba(frame[FEATURES])[:, 1])
    assert (contrib["mrr_change_12m"] == 0).all()
    assert contrib["seat_utilisation"].abs().mean() > contrib["employee_count"].abs().mean()
    # any other model takes the general path
    assert tree_drops(fit_baseline(frame)[-1], matrix, reference, columns) is None


def test_association_rules_on_a_hand_made_basket():
    baskets = pd.DataFrame(
        [("a1", "SSO"), ("a1", "AUDIT"), ("a2", "SSO"), ("a2", "AUDIT"), ("a3", "SSO"),
         ("a4", "API")],
        columns=["account_id", "product_id"],
    )  # fmt: skip
    rules = association_rules(baskets).set_index(["antecedent", "consequent"])
    # 4 accounts; SSO: 3, AUDIT: 2, both: 2.
    assert rules.loc[("SSO", "AUDIT"), "support"] == pytest.approx(2 / 4)
    assert rules.loc[("SSO", "AUDIT"), "confidence"] == pytest.approx(2 / 3)
    assert rules.loc[("SSO", "AUDIT"), "lift"] == pytest.approx((2 / 3) / (2 / 4))
    assert rules.loc[("AUDIT", "SSO"), "confidence"] == pytest.approx(1.0)
    assert ("SSO", "API") not in rules.index
    offer, reason = next_best_offer({"tier": 4}, {"SSO"}, association_rules(baskets))
    assert offer == "addon AUDIT" and "1.3x" in reason


def test_next_best_offer_rules():
    rules = association_rules(pd.DataFrame(columns=["account_id", "product_id"]))
    upgrade = next_best_offer({"tier": 2, "limit_hits_per_active_user": 3.0}, set(), rules)
    assert upgrade[0] == "plan_upgrade to tier 3"
    seats = next_best_offer({"tier": 4, "seat_utilisation": 0.9, "seats": 40}, set(), rules)
    assert seats == ("seat_pack", "seat utilisation 90% of 40 seats")


def test_psi_on_known_distributions():
    rng = np.random.default_rng(0)
    reference = rng.normal(0, 1, 20_000)
    assert psi(reference, rng.normal(0, 1, 20_000)) < 0.01
    shifted = psi(reference, rng.normal(1, 1, 20_000))
    assert shifted > 0.25
    # Half the current mass in the bottom decile bin instead of a tenth: known by hand.
    uniform = np.linspace(0, 1, 10_000)
    current = np.concatenate([np.full(5000, 0.01), np.linspace(0.1, 1, 5000)])
    expected = (0.5 - 0.1) * math.log(0.5 / 0.1) + 9 * ((0.5 / 9 - 0.1) * math.log((0.5 / 9) / 0.1))
    assert psi(uniform, current) == pytest.approx(expected, rel=0.02)


def test_promotion_rule():
    rule = registry.PromotionRule(auc_margin=0.01, max_calibration_gap=0.1, min_auc=0.6)
    good = {"roc_auc": 0.75, "calibration_gap": 0.02}
    assert registry.decide(good, None, rule)[0]
    assert not registry.decide({"roc_auc": 0.55, "calibration_gap": 0.0}, None, rule)[0]
    assert not registry.decide({"roc_auc": 0.8, "calibration_gap": 0.2}, None, rule)[0]
    assert registry.decide(good, {"roc_auc": 0.755}, rule)[0]  # newer data, within margin
    assert not registry.decide(good, {"roc_auc": 0.77}, rule)[0]  # worse beyond the margin
    assert not registry.decide(good, {"roc_auc": 0.75}, rule, same_data=True)[0]
    assert registry.decide(good, {"roc_auc": 0.74}, rule, same_data=True)[0]


def test_registry_round_trip_and_a_tampered_model_is_refused(tmp_path):
    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    version = registry.register(tmp_path, model, {"data_fingerprint": "x"})
    assert registry.load(tmp_path, version).predict([[1.0]]).tolist() == [1]
    registry.record_decision(tmp_path, {"challenger": version, "promoted": True})
    assert registry.champion(tmp_path) == version
    path = tmp_path / version / "model.pkl"
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(registry.TamperedModel, match="refusing to load"):
        registry.load(tmp_path, version)


def test_lift_chart_is_an_svg_with_one_bar_per_decile():
    from ml.report import as_markdown_image, lift_chart_svg

    svg = lift_chart_svg([3.1, 2.0, 1.5, 1.2, 1.0, 0.8, 0.6, 0.4, 0.3, 0.1])
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<rect") == 10 and ">3.1<" in svg
    assert as_markdown_image(svg).startswith("![chart](data:image/svg+xml;base64,")
