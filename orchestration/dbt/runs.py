"""Running dbt: the resource the asset uses, in-process runs for benchmarks and tests, the
tables a run built, and pruning the folders each invocation leaves."""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dbt.cli.main import dbtRunner

from orchestration.dbt.project import DBT_DIR, DBT_PROJECT, profile_env
from upsell.compat.dagster_dbt import DBT_EXECUTABLE, DbtCli
from upsell.compat.dbt_duckdb import release_connections


def dbt_resource() -> DbtCli:
    return DbtCli(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE)


def run_dbt(
    args: list[str],
    warehouse: Path,
    work_dir: Path,
    raise_on_failure: bool = True,
    target: str = "duckdb",
    dsn: str = "",
    spark: dict[str, str] | None = None,
):
    """Run dbt in this process against ``warehouse`` (or the PostgreSQL database at ``dsn``,
    or Spark with the ``spark`` settings), with target and logs under ``work_dir``
    (benchmarks and tests; the assets go through ``DbtCli``)."""
    with profile_env(str(warehouse), target, dsn, spark):
        result = dbtRunner().invoke(
            [*args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--quiet",
             "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")]
        )  # fmt: skip
    release_connections()
    if raise_on_failure and not result.success:
        raise RuntimeError(f"dbt {args[0]} failed: {result.exception or result.result}")
    return result.result


def built_table(manifest: Mapping[str, Any], event: Any) -> tuple[str, str] | None:
    """(schema, table) of a model dbt has just written as a table (views would run their
    query to be counted)."""
    if not isinstance(event, dg.Output) or "unique_id" not in event.metadata:
        return None
    node = manifest["nodes"].get(event.metadata["unique_id"].value, {})
    if node.get("resource_type") != "model":
        return None
    if node["config"]["materialized"] == "view":
        return None
    return node["schema"], node["alias"]


def prune_invocation_folders(target: Path, keep_days: float = 14) -> list[Path]:
    """Remove the folders dagster-dbt writes per invocation (``target/dbt_models-<run>-<id>``:
    manifest, compiled SQL, logs; two per daily run) once older than ``keep_days``. No run
    lasts that long, so a running invocation's folder is never touched."""
    cutoff = time.time() - keep_days * 86_400
    old = [p for p in target.glob("dbt_models*-*") if p.is_dir() and p.stat().st_mtime < cutoff]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    return old
