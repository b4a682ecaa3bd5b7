"""The connectors in Dagster: an asset per source writing a delivery, its failure in words,
the schedule running only the configured sources, and the other jobs never extracting."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration.definitions import build_definitions
from orchestration.defs.connectors import CONNECTOR_ASSETS, connector_key, connectors_schedule
from orchestration.resources import Installation
from tests import stripe_fake
from tests.stripe_fake import KEY, env_of
from upsell.config import Settings

fake = stripe_fake.fake  # the fixture


def materialize(tmp_path):
    installation = Installation(path=str(tmp_path / "w.duckdb"), landing_dir=str(tmp_path / "l"))
    return dg.materialize(
        CONNECTOR_ASSETS,
        selection=[connector_key("stripe")],
        resources={"installation": installation},
        raise_on_error=False,
    )


def test_the_stripe_asset_writes_a_delivery_and_keeps_the_key_out_of_its_metadata(
    fake, tmp_path, monkeypatch
):
    for name, value in env_of(fake).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("UPSELL_CONNECTOR_STATE_DIR", str(tmp_path / "state"))
    result = materialize(tmp_path)
    assert result.success
    [event] = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["mode"].value == "full" and metadata["left_out"].value == 4
    assert metadata["rows"].value["sub_invoices"] == 10
    assert KEY not in str(metadata)
    [delivery] = (tmp_path / "l").iterdir()
    assert (delivery / "_SUCCESS").exists()


def test_a_failed_extraction_fails_the_asset_in_words(fake, tmp_path, monkeypatch):
    for name, value in env_of(fake, key="sk_test_wrong").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("UPSELL_CONNECTOR_STATE_DIR", str(tmp_path / "state"))
    result = materialize(tmp_path)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failure.event_specific_data.user_failure_data.description == (
        "Stripe refused the API key (HTTP 401): check UPSELL_STRIPE_API_KEY"
    )
    assert not (tmp_path / "l").exists() or not any((tmp_path / "l").iterdir())


@pytest.mark.parametrize("key", ["", KEY])
def test_the_schedule_runs_the_sources_whose_secret_is_set(key, monkeypatch):
    monkeypatch.delenv("UPSELL_STRIPE_API_KEY", raising=False)
    if key:
        monkeypatch.setenv("UPSELL_STRIPE_API_KEY", key)
    schedule = connectors_schedule(Settings.from_env(paths=()))
    with dg.build_schedule_context() as context:
        answer = schedule.evaluate_tick(context)
    if key:
        [request] = answer.run_requests
        assert request.asset_selection == [connector_key("stripe")]
    else:
        assert answer.skip_message.startswith("no source configured")


def test_no_job_but_the_extraction_job_extracts():
    defs = build_definitions(Settings.from_env(paths=()))
    for name in ("daily_refresh", "full_refresh", "retrain", "extract_sources"):
        keys = defs.resolve_job_def(name).asset_layer.selected_asset_keys
        assert (connector_key("stripe") in keys) == (name == "extract_sources")
    graph = defs.resolve_asset_graph()
    assert connector_key("stripe") in graph.get(dg.AssetKey(["raw", "sub_invoices"])).parent_keys
