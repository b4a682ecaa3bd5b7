"""Ingestion: one Dagster asset per raw table, loaded together delivery by delivery."""

import hashlib
from pathlib import Path

import dagster as dg

from orchestration.defs.connectors import feeding
from orchestration.resources import WAREHOUSE_POOL, Installation
from upsell.contract import TABLES
from upsell.errors import UpsellError
from upsell.ingest.deliveries import find_deliveries, listed
from upsell.ingest.loader import LandingFileError, LoadReport, load_landing_zone
from upsell.ingest.rules import VERSIONED
from upsell.ingest.stats import raw_stats
from upsell.quality import gx_suites

OWNER = "team:data-engineering"
NOTHING_IGNORED = "nothing_ignored"


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def _raw_spec(name: str, description: str) -> dg.AssetSpec:
    source = name.split("_", 1)[0] if not name.startswith("_") else "manifest"
    return dg.AssetSpec(
        key=raw_key(name),
        group_name="ingest",
        kinds={"duckdb"},
        owners=[OWNER],
        description=description,
        tags={"source": source},
        deps=feeding(name),
    )


RAW_SPECS = (
    [
        _raw_spec(
            name,
            f"`raw.{name}`: the landing zone's `{name}` exports, one row per "
            f"{', '.join(spec.key)} (newest version), with load metadata. Bad rows are in "
            f"`raw.{name}__quarantine` with their reason, file and line.",
        )
        for name, spec in TABLES.items()
    ]
    + [
        _raw_spec(
            f"{name}__history",
            f"`raw.{name}__history`: every version of every `{name}` row as delivered, with "
            "its delivery date, for point-in-time questions.",
        )
        for name in VERSIONED
    ]
    + [
        _raw_spec(
            "_deliveries",
            "`raw._deliveries`: one row per delivery loaded (date, content fingerprint, files, "
            "load time, run id); `raw._load_manifest` has one row per file loaded.",
        )
    ]
)


def _ignored_check(report: LoadReport, landing: Path) -> dg.AssetCheckResult:
    """A warning naming each landing path this run did not take, and why."""
    ignored = [f"{f.where(landing)}: {f.why}" for f in report.ignored]
    return dg.AssetCheckResult(
        check_name=NOTHING_IGNORED,
        passed=not ignored,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"not read: {listed(ignored, '; ')}" if ignored else "every path was taken",
        metadata={"landing_zone": str(landing), "ignored": ignored},
    )


@dg.multi_asset(
    specs=RAW_SPECS,
    name="landing_zone_ingest",
    can_subset=False,
    pool=WAREHOUSE_POOL,
    description="Load every complete, not yet loaded delivery of the landing zone into `raw`, "
    "each delivery in one transaction.",
    check_specs=[
        dg.AssetCheckSpec(
            NOTHING_IGNORED,
            asset=raw_key("_deliveries"),
            description="Warns, naming each path and why, when this run left something in the "
            "landing zone unread (a stray file or folder, a delivery without _SUCCESS yet).",
        )
    ],
)
def landing_zone_ingest(context: dg.AssetExecutionContext, installation: Installation):
    gx_suites.warm_up()  # the raw suites check these tables next: GX imports while we load
    try:
        landing = installation.landing  # a bucket's mirror, brought up to date once per run
    except UpsellError as exc:
        raise dg.Failure(description=str(exc)) from None
    with installation.connect() as con:
        try:
            report = load_landing_zone(con, landing, context.run.run_id)
        except LandingFileError as exc:
            raise dg.Failure(description=str(exc)) from None
        stats = raw_stats(con, report)
        copied = installation.copy_to_target(con, [], report)
    if copied:
        context.log.info(f"copied {len(copied)} raw tables to {installation.target}")
    for day in report.skipped_incomplete:
        context.log.warning(f"delivery {day} has no _SUCCESS yet: skipped")
    context.log.info(
        f"loaded {len(report.loaded)} deliveries; {len(report.already_loaded)} loaded before"
    )
    for relation, metadata in stats.items():
        if "preview" in metadata:
            metadata["preview"] = dg.MetadataValue.md(metadata["preview"])
        yield dg.MaterializeResult(
            asset_key=raw_key(relation),
            metadata=metadata,
            check_results=([_ignored_check(report, landing)] if relation == "_deliveries" else []),
        )


@dg.sensor(
    name="new_delivery_sensor",
    job_name="daily_refresh",
    minimum_interval_seconds=60,
    description="Requests a run when a new complete delivery (with _SUCCESS) lands, or when the "
    "landing zone holds what a load refuses (that run fails saying what and why).",
)
def new_delivery_sensor(context: dg.SensorEvaluationContext, installation: Installation):
    try:
        landing = find_deliveries(installation.landing)
    except UpsellError as exc:
        return dg.SkipReason(str(exc))
    if landing.refused:
        # A run says why in its failure; the cursor stays, so the fixed delivery is requested.
        # One run per set of refused paths (a future date's wording changes every day).
        paths = "\n".join(str(r.path) for r in landing.refused)
        digest = hashlib.sha256(paths.encode()).hexdigest()[:16]
        return dg.RunRequest(run_key=f"refused-{digest}", tags={"upsell/refused": "true"})
    latest_seen = context.cursor or ""
    complete = [d for d in landing.deliveries if d.complete]
    new = [d for d in complete if d.day.isoformat() > latest_seen]
    if not new:
        return dg.SkipReason(f"no complete delivery after {latest_seen or 'none'}")
    newest = new[-1].day.isoformat()
    context.update_cursor(newest)
    return dg.RunRequest(
        run_key=f"delivery-{newest}",
        tags={"upsell/delivery": newest, "upsell/new_deliveries": str(len(new))},
    )
