"""Extractions: one asset per source system; those materialized together write one
landing-zone delivery, which the ingest then loads like any other (its sensor sees the new
_SUCCESS)."""

import os

import dagster as dg

from orchestration.resources import Installation
from upsell.config import OPTIONAL_PATHS, Settings
from upsell.connectors import SOURCES, configured, run
from upsell.errors import UpsellError

CONNECTORS_GROUP = "connectors"
OWNER = "team:data-engineering"


def connector_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["connectors", source])


def feeding(table: str) -> list[dg.AssetKey]:
    """The extractions whose deliveries can hold ``table``: the raw table's upstream."""
    return [connector_key(name) for name, s in SOURCES.items() if table in s.tables]


def _spec(source: str) -> dg.AssetSpec:
    tables = ", ".join(f"`{t}`" for t in SOURCES[source].tables)
    return dg.AssetSpec(
        key=connector_key(source),
        group_name=CONNECTORS_GROUP,
        kinds={"python", source},
        owners=[OWNER],
        tags={"source": source},
        description=f"Extract what {source} created or changed since the last extraction (the "
        f"first time: everything) into the day's landing-zone delivery ({tables}); "
        "docs/connectors.md has the mapping.",
        skippable=True,
    )


@dg.multi_asset(
    name="extract_connectors",
    specs=[_spec(source) for source in SOURCES],
    can_subset=True,
    description="The selected sources extracted together: the landing contract has one "
    "delivery a day, which holds every source's tables.",
)
def extract_connectors(context: dg.AssetExecutionContext, installation: Installation):
    selected = [s for s in SOURCES if connector_key(s) in context.selected_asset_keys]
    try:
        # the state folder is the extraction's own: read and checked (allowed roots) here,
        # so that the other jobs never depend on it
        state = Settings.from_env(paths=tuple(OPTIONAL_PATHS)).connector_state_dir
        extracted = run.extract(
            selected,
            os.environ,
            installation.delivery_target,
            state,
            installation.reporting_currency,
        )
    except UpsellError as exc:
        raise dg.Failure(description=str(exc)) from None
    for done in extracted:
        for why in done.left_out:
            context.log.info(f"{done.source}: left out: {why}")
        yield dg.MaterializeResult(
            asset_key=connector_key(done.source),
            metadata={
                "mode": done.mode,
                "resumed": done.resumed,
                "delivery": done.delivery.name if done.delivery else "none (nothing changed)",
                "rows": dg.MetadataValue.json(done.rows),
                "left_out": len(done.left_out),
            },
        )


CONNECTOR_ASSETS = [extract_connectors]

extract_sources = dg.define_asset_job(
    "extract_sources",
    selection=dg.AssetSelection.groups(CONNECTORS_GROUP),
    description="Each configured source system's changes -> one landing-zone delivery; "
    "the new_delivery_sensor then starts the daily refresh.",
)


def connectors_schedule(settings: Settings) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="extract_sources_schedule",
        job=extract_sources,
        cron_schedule=settings.connectors_cron,
        execution_timezone=settings.timezone,
        description="The extractions (UPSELL_CONNECTORS_CRON, UPSELL_TIMEZONE), of the sources "
        "whose secret is set.",
    )
    def extract_sources_schedule(context: dg.ScheduleEvaluationContext):
        sources = configured(os.environ)
        if not sources:
            return dg.SkipReason("no source configured (no UPSELL_<SOURCE> secret is set)")
        return dg.RunRequest(asset_selection=[connector_key(s) for s in sources])

    return extract_sources_schedule
