"""Jobs and schedules: the daily refresh, the weekly retraining, and a first full run."""

import dagster as dg

from orchestration.defs.connectors import CONNECTORS_GROUP
from orchestration.defs.model import FEATURES_KEY, MODEL_KEY
from orchestration.defs.transform import FULL_REFRESH_JOB
from upsell.config import Settings, local_landing
from upsell.serving import unpublished_deliveries

daily_refresh = dg.define_asset_job(
    "daily_refresh",
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.assets(MODEL_KEY)
    - dg.AssetSelection.groups(CONNECTORS_GROUP),
    description="New deliveries -> raw checks -> dbt build (models and their tests) -> score "
    "with the champion -> marts that read the scores -> publish the serving file. Training is "
    "the retrain job's.",
)
retrain = dg.define_asset_job(
    "retrain",
    selection=dg.AssetSelection.assets(FEATURES_KEY, MODEL_KEY).downstream(),
    description="Features -> train a challenger -> promotion rule -> rescore -> marts that "
    "read the scores -> publish.",
)
full_refresh = dg.define_asset_job(
    FULL_REFRESH_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(CONNECTORS_GROUP),
    description="Everything but the extractions, training included, incremental models "
    "rebuilt from scratch: the first run of a new installation.",
)


def schedules(settings: Settings) -> list[dg.ScheduleDefinition]:
    @dg.schedule(
        name="daily_refresh_schedule",
        job=daily_refresh,
        cron_schedule=settings.daily_cron,
        execution_timezone=settings.timezone,
        description="The daily run (UPSELL_DAILY_CRON, UPSELL_TIMEZONE); skipped when the "
        "serving file already holds every complete delivery.",
    )
    def daily_refresh_schedule(context: dg.ScheduleEvaluationContext):
        landing = local_landing(settings.landing_dir, settings.landing_cache_dir)
        new, nothing = unpublished_deliveries(landing, settings.serving)
        if nothing:
            return dg.SkipReason(nothing)
        return dg.RunRequest(tags={"upsell/new_deliveries": str(len(new))})

    return [
        daily_refresh_schedule,
        dg.ScheduleDefinition(
            name="weekly_retrain_schedule",
            job=retrain,
            cron_schedule=settings.retrain_cron,
            execution_timezone=settings.timezone,
            description="Weekly retraining (UPSELL_RETRAIN_CRON, UPSELL_TIMEZONE).",
        ),
    ]
