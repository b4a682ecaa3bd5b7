"""The dbt project as Dagster assets: staging, intermediate and marts, tests as asset checks."""

from collections.abc import Mapping
from functools import cache
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, dbt_assets

from orchestration.dbt import delivery_scoped_tests
from orchestration.dbt.project import DBT_DIR, DBT_PROJECT, manifest, manifest_path, profile_env
from orchestration.dbt.runs import built_table, prune_invocation_folders
from orchestration.resources import WAREHOUSE_POOL, Installation
from upsell.compat.dagster_dbt import DbtCli
from upsell.compat.dbt_duckdb import release_connections

FULL_REFRESH_JOB = "full_refresh"


class UpsellDbtTranslator(DagsterDbtTranslator):
    """Sources keep the raw assets' keys; models are grouped by their layer's folder."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project):
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id)
        if node and node["resource_type"] == "model":
            layer = node["fqn"][1] if len(node["fqn"]) > 2 else "marts"
            spec = spec.replace_attributes(group_name=layer, owners=["team:analytics-engineering"])
        return spec


@cache
def _scoped_test_names() -> frozenset[str]:
    return frozenset(delivery_scoped_tests.scoped_tests(manifest()))


@dbt_assets(
    manifest=manifest_path(),
    project=DBT_PROJECT,
    dagster_dbt_translator=UpsellDbtTranslator(),
    name="dbt_models",
    pool=WAREHOUSE_POOL,
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCli, installation: Installation):
    tables: dict[dg.AssetKey, tuple[str, str]] = {}
    full_refresh = context.run.job_name == FULL_REFRESH_JOB
    scoped = _begin_scoped_tests(context, installation, full_refresh)
    passed: set[str] = set()
    installation.release_target()
    with profile_env(
        installation.path,
        installation.target,
        installation.postgres_dsn,
        installation.spark_settings,
    ):
        try:
            # Unit tests check the SQL, not the data: they run in `make test`, not every day.
            build = ["build", "--exclude-resource-type", "unit_test"]
            if full_refresh:
                build.append("--full-refresh")  # incremental models rebuilt from scratch
            invocation = dbt.cli(build, context=context)
            # Events are passed on as dbt emits them. dagster-dbt's fetch_row_counts() holds
            # them all until dbt exits (DuckDB's lock), which put Dagster's writing of ~270
            # events after dbt's work instead of beside it; the counts come after, below.
            for event in invocation.stream():
                yield event
                if isinstance(event, dg.AssetCheckResult) and event.passed:
                    passed.add(event.check_name)
                relation = built_table(invocation.manifest, event)
                if relation:
                    tables[context.asset_key_for_output(event.output_name)] = relation
        finally:
            release_connections()
            prune_invocation_folders(DBT_DIR / DBT_PROJECT.target_path)
    # The stream raises when dbt fails, so this is a run whose tests all passed.
    if scoped and scoped <= passed:
        with installation.connect() as con:
            delivery_scoped_tests.mark_passed(con, context.run.run_id)
            installation.copy_to_target(con, [delivery_scoped_tests.TABLE_NAME])
    with installation.open_target(read_only=True) as target:
        for key, relation in tables.items():
            rows = target.scalar(f"SELECT count(*) FROM {target.table(*relation)}")
            yield dg.AssetObservation(asset_key=key, metadata={"dagster/row_count": rows})


def _begin_scoped_tests(
    context: dg.AssetExecutionContext, installation: Installation, full_refresh: bool
) -> frozenset[str]:
    """The delivery-scoped tests this run selected, with their scope written for the run: the
    keys of the deliveries loaded after a time, or whole tables (always at a full refresh)."""
    scoped = _scoped_test_names() & {key.name for key in context.selected_asset_check_keys}
    if scoped:
        with installation.connect() as con:
            after = delivery_scoped_tests.begin(
                con, context.run.run_id, delivery_scoped_tests.utc_now(), whole_tables=full_refresh
            )
            installation.copy_to_target(con, [delivery_scoped_tests.TABLE_NAME])
        context.log.info(
            f"{', '.join(sorted(scoped))}: "
            + (f"keys of deliveries loaded after {after}" if after else "whole tables")
        )
    return scoped
