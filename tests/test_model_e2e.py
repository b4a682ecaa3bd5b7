"""End to end: train on a small generated landing zone, register, promote, score, and feed the
scores back into the marts; retraining on the same data keeps the champion unless better."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pytest

from ml import registry
from ml.training import accounts_per_10k
from orchestration.dbt.runs import dbt_resource
from orchestration.defs.ingest import landing_zone_ingest
from orchestration.defs.model import propensity_model, propensity_scores
from orchestration.defs.raw_checks import raw_suites
from orchestration.defs.transform import dbt_models
from orchestration.resources import Installation


@pytest.fixture(scope="module")
def trained(small_landing, tmp_path_factory):
    root = tmp_path_factory.mktemp("model")
    resources = {
        "installation": Installation(
            path=str(root / "warehouse.duckdb"),
            landing_dir=str(small_landing[0]),
            model_dir=str(root / "models"),
        ),
        "dbt": dbt_resource(),
    }
    assets = [landing_zone_ingest, raw_suites, dbt_models, propensity_model, propensity_scores]
    result = dg.materialize(assets, resources=resources, raise_on_error=False)
    return result, root, resources


def test_training_registers_and_promotes_a_model_that_beats_the_baseline(trained):
    result, root, _ = trained
    assert result.success
    version = registry.champion(root / "models")
    assert version is not None
    card = registry.card(root / "models", version)
    assert set(card) >= {"features", "training_window", "data_fingerprint", "metrics",
                         "libraries", "trained_at", "model_sha256"}  # fmt: skip
    assert card["metrics"]["roc_auc"] > card["baseline_metrics"]["roc_auc"]
    assert card["metrics"]["roc_auc"] > 0.65
    meta = next(
        e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["ml", "propensity_model"])
    )
    assert meta["promoted"].value is True
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["holdout_auc_above_floor"].passed
    assert checks["scores_are_probabilities"].passed
    assert checks["one_row_per_active_account"].passed


def test_every_paying_account_is_scored_with_reasons_and_an_offer(trained):
    _, root, _ = trained
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    latest = con.execute(
        "SELECT count(*) FROM marts.fct_account_features "
        "WHERE snapshot_date = (SELECT max(snapshot_date) FROM marts.fct_account_features)"
    ).fetchone()[0]
    scores = con.execute(
        "SELECT count(*), count(DISTINCT account_id), min(probability), max(probability), "
        "count(reason_1), count(recommended_offer), count(DISTINCT decile) "
        "FROM ml.propensity_scores"
    ).fetchone()
    assert scores[0] == scores[1] == latest > 100
    assert 0 <= scores[2] <= scores[3] <= 1
    assert scores[4] > 0.9 * latest and scores[5] == latest and scores[6] == 10
    # The scores flow back into the marts through dbt.
    in_360 = con.execute(
        "SELECT count(*) FROM marts.customer_360 c JOIN ml.propensity_scores s USING (account_id) "
        "WHERE c.upsell_propensity = s.probability AND c.model_version = s.model_version"
    ).fetchone()[0]
    assert in_360 == latest
    top = con.execute(
        "SELECT account_id, upsell_propensity FROM marts.upsell_targets WHERE rank = 1"
    ).fetchone()
    assert top[1] == scores[3]
    columns = {r[0] for r in con.execute("DESCRIBE marts.upsell_targets").fetchall()}
    assert not columns & {"email", "full_name"}


def test_retraining_on_the_same_data_keeps_the_champion(trained):
    _, root, resources = trained
    before = registry.champion(root / "models")
    again = dg.materialize([propensity_model], resources=resources)
    assert again.success
    assert registry.champion(root / "models") == before
    decisions = [
        json.loads(line) for line in (root / "models" / registry.DECISIONS).read_text().splitlines()
    ]
    assert [d["promoted"] for d in decisions] == [True, False]
    assert "same data" in decisions[-1]["reason"]
    assert (
        decisions[-1]["champion_metrics"]["roc_auc"]
        >= decisions[-1]["challenger_metrics"]["roc_auc"]
    )


def _scores_metadata(result) -> dict:
    return next(
        {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["ml", "propensity_scores"])
    )


def test_unchanged_features_and_champion_reuse_the_scores_and_a_change_rescores(trained):
    _, root, resources = trained
    query = "SELECT * FROM ml.propensity_scores ORDER BY account_id"
    with dg.instance_for_test() as instance:
        runs = []
        for _ in range(2):
            runs.append(dg.materialize([propensity_scores], resources=resources, instance=instance))
            with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
                runs[-1] = (_scores_metadata(runs[-1]), con.execute(query).df())
        (first, first_scores), (second, second_scores) = runs
        assert not first["reused_unchanged_scores"] and second["reused_unchanged_scores"]
        assert second_scores.equals(first_scores)  # scored_at included: nothing was rescored
        with duckdb.connect(str(root / "warehouse.duckdb")) as con:
            con.execute(
                "CREATE TABLE marts.features_before AS SELECT * FROM marts.fct_account_features;"
                "UPDATE marts.fct_account_features SET seats = seats * 3 "
                "WHERE snapshot_date = (SELECT max(snapshot_date) FROM marts.fct_account_features)"
            )
        try:
            third = dg.materialize([propensity_scores], resources=resources, instance=instance)
        finally:
            with duckdb.connect(str(root / "warehouse.duckdb")) as con:
                con.execute(
                    "CREATE OR REPLACE TABLE marts.fct_account_features AS "
                    "SELECT * FROM marts.features_before; DROP TABLE marts.features_before"
                )
        assert not _scores_metadata(third)["reused_unchanged_scores"]
        with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
            assert not con.execute(query).df()["probability"].equals(first_scores["probability"])


def test_training_on_a_sample_of_accounts_above_the_row_cap(trained):
    _, root, resources = trained
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        labelled = con.execute(
            "SELECT count(*) FROM marts.fct_account_features WHERE expanded_90d IS NOT NULL"
        ).fetchone()[0]
    config = {"ops": {"ml__propensity_model": {"config": {"max_training_rows": labelled // 2}}}}
    result = dg.materialize([propensity_model], resources=resources, run_config=config)
    meta = next(
        {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["ml", "propensity_model"])
    )
    card = registry.card(root / "models", meta["challenger"])
    sampled = int(card["data_fingerprint"].split(":")[0])
    assert 0.3 * labelled < sampled < 0.7 * labelled  # whole accounts, about half of them


def test_too_little_history_skips_training_and_everything_else_completes(tmp_path):
    from upsell.sample_data import generate
    from upsell.sample_data.simulate import Options

    generate(Options(accounts=120, months=3, seed=5), tmp_path / "landing", tmp_path / "truth")
    resources = {
        "installation": Installation(
            path=str(tmp_path / "warehouse.duckdb"),
            landing_dir=str(tmp_path / "landing"),
            model_dir=str(tmp_path / "models"),
        ),
        "dbt": dbt_resource(),
    }
    assets = [landing_zone_ingest, raw_suites, dbt_models, propensity_model, propensity_scores]
    result = dg.materialize(assets, resources=resources, raise_on_error=False)
    assert result.success
    meta = next(
        e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["ml", "propensity_model"])
    )
    assert "labelled month-end snapshots" in meta["skipped"].value
    assert registry.champion(tmp_path / "models") is None
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM ml.propensity_scores").fetchone() == (0,)
    assert con.execute(
        "SELECT count(*), count(upsell_propensity) FROM marts.customer_360"
    ).fetchone() == (120, 0)


def test_training_sample_share_keeps_rows_near_the_cap():
    assert accounts_per_10k(1_500_000, 2_000_000) == 10_000  # everything below the cap
    assert accounts_per_10k(8_000_000, 2_000_000) == 2_500
    assert accounts_per_10k(10**12, 1) == 1  # never an empty sample
