"""Publishing: the marts and the scores go to the serving file once every check upstream has
passed in the run; a blocking failure anywhere upstream leaves the last good file in place."""

import dagster as dg

from orchestration.dbt.project import manifest
from orchestration.defs.model import SCORES_KEY
from orchestration.defs.transform import dbt_models
from orchestration.resources import WAREHOUSE_POOL, Installation
from upsell.serving import publish


def publish_on_postgres(installation: Installation, warehouse) -> dict[str, int]:
    """Swap the built marts into schema marts, then export them to the serving file."""
    from upsell.targets import postgres, postgres_publish

    with postgres.connect(installation.postgres_dsn) as con:
        postgres_publish.publish(con, installation.postgres_reader)
        return postgres_publish.export_serving(con, warehouse, installation.serving_path)


def export_from_spark(installation: Installation, warehouse) -> dict[str, int]:
    """dbt builds Spark's marts in schema marts itself; the file is their export."""
    from upsell.targets.spark import export_serving

    with installation.open_target(read_only=True) as target:
        return export_serving(target, warehouse, installation.serving_path, mart_columns())


def mart_columns() -> dict[str, list[str]]:
    """Each mart's columns in the order its contract documents them."""
    return {
        node["alias"]: list(node["columns"])
        for node in manifest()["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    }


SERVING_KEY = dg.AssetKey(["serving", "bi_duckdb"])
MART_KEYS = sorted(
    (key for key in dbt_models.keys if key.path[0] == "marts"), key=lambda k: k.to_user_string()
)


@dg.asset(
    key=SERVING_KEY,
    pool=WAREHOUSE_POOL,
    deps=[*MART_KEYS, SCORES_KEY],
    group_name="serving",
    kinds={"duckdb"},
    owners=["team:data-engineering"],
    description="The copy of the `marts` schema and `ml.propensity_scores` that BI tools open "
    "read-only (UPSELL_SERVING): written as a new file in DuckDB 1.5's storage format, "
    "checkpointed, audited, then atomically renamed over the previous one. On PostgreSQL the "
    "built marts are first published to schema `marts` in one transaction, and the file is "
    "their export; on Spark, the marts are tables of its metastore and the file is their "
    "export.",
)
def serving_file(context: dg.AssetExecutionContext, installation: Installation):
    target = installation.serving_path
    with installation.connect() as con:
        if installation.target == "postgres":
            counts = publish_on_postgres(installation, con)
            context.log.info(f"published {len(counts)} tables to schema marts on PostgreSQL")
        elif installation.spark:
            counts = export_from_spark(installation, con)
        else:
            counts = publish(con, target)
    context.log.info(f"published {len(counts)} tables to {target}")
    return dg.MaterializeResult(
        metadata={
            "path": str(target),
            "tables": dg.MetadataValue.json(counts),
            "dagster/row_count": sum(counts.values()),
        }
    )
