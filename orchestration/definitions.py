"""The Dagster code location: assets, checks, jobs, schedules and sensors of the platform."""

from __future__ import annotations

import dagster as dg

from orchestration.dbt.runs import dbt_resource
from orchestration.defs.connectors import CONNECTOR_ASSETS, connectors_schedule, extract_sources
from orchestration.defs.ingest import landing_zone_ingest, new_delivery_sensor
from orchestration.defs.jobs import daily_refresh, full_refresh, retrain, schedules
from orchestration.defs.model import propensity_model, propensity_scores
from orchestration.defs.raw_checks import fx_coverage, latest_delivery_is_fresh, raw_suites
from orchestration.defs.serving import serving_file
from orchestration.defs.transform import dbt_models
from orchestration.resources import Installation
from upsell.config import Settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or Settings.from_env()
    return dg.Definitions(
        assets=[
            *CONNECTOR_ASSETS,
            landing_zone_ingest,
            dbt_models,
            propensity_model,
            propensity_scores,
            serving_file,
        ],
        asset_checks=[raw_suites, fx_coverage, latest_delivery_is_fresh],
        jobs=[daily_refresh, retrain, full_refresh, extract_sources],
        schedules=[*schedules(settings), connectors_schedule(settings)],
        sensors=[new_delivery_sensor],
        resources={
            "installation": Installation.from_settings(settings),
            "dbt": dbt_resource(),
        },
    )


defs = build_definitions()
