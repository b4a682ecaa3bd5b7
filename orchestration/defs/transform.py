"""The dbt project as Dagster assets: staging, intermediate and marts, tests as asset checks."""

import fcntl
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache, cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dbt.cli.main import dbtRunner
from packaging.version import Version

from orchestration import test_scope
from orchestration.resources import WAREHOUSE_POOL, Warehouse
from upsell.config import Settings

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
DBT_PROJECT = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
# The dbt installed beside this Python, so that an un-activated virtualenv works too.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
FULL_REFRESH_JOB = "full_refresh"
OUTPUTS = {"target", "logs"}  # folders dbt writes: not sources of the manifest
# what profiles.yml reads
PROFILE_ENV = ("UPSELL_WAREHOUSE", "UPSELL_DUCKDB_MEMORY_LIMIT", "UPSELL_DBT_THREADS")


def ensure_manifest(project: DbtProject = DBT_PROJECT, warehouse: str | None = None) -> Path:
    """Parse the dbt project when its manifest is missing, older than any project file, or
    parsed for another profile than the dbt steps of ``warehouse`` (default: the configured
    one) will use.

    ``DbtProject.prepare_if_dev`` only acts under ``dagster dev``; the CLI, the tests and a
    scheduled deployment load the definitions without it. dbt reuses the parse (partial
    parsing) only for the same profile, warehouse path and memory limit included; otherwise
    every dbt step parses the whole project again (about 5 s each). A file lock keeps
    processes that load the definitions at the same time (test workers, code servers) from
    parsing at once.
    """
    manifest = project.manifest_path
    manifest.parent.mkdir(parents=True, exist_ok=True)
    stamp = manifest.parent / "parsed_for.json"
    with (
        (manifest.parent / ".parse.lock").open("w") as lock,
        warehouse_env(warehouse or str(Settings.from_env().warehouse)),
    ):
        fcntl.flock(lock, fcntl.LOCK_EX)
        profile = json.dumps({name: os.environ.get(name) for name in PROFILE_ENV})
        folder = str(project.project_dir)
        newest = max(p.stat().st_mtime for p in _project_files(project.project_dir))
        if (
            not manifest.exists()
            or manifest.stat().st_mtime < newest
            or not stamp.exists()
            or stamp.read_text() != profile
        ):
            result = dbtRunner().invoke(
                ["parse", "--quiet", "--project-dir", folder, "--profiles-dir", folder]
            )
            if not result.success:
                raise RuntimeError(f"dbt parse failed: {result.exception}")
            stamp.write_text(profile)
    return manifest


def _project_files(folder: Path) -> Iterator[Path]:
    """The project's own files; dbt's outputs (thousands of files after a few weeks of runs)
    are not walked."""
    for top in folder.iterdir():
        if top.name in OUTPUTS:
            continue
        yield from [top] if top.is_file() else (p for p in top.rglob("*") if p.is_file())


class UpsellDbtTranslator(DagsterDbtTranslator):
    """Sources keep the raw assets' keys; models are grouped by their layer's folder."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project):
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id)
        if node and node["resource_type"] == "model":
            layer = node["fqn"][1] if len(node["fqn"]) > 2 else "marts"
            spec = spec.replace_attributes(group_name=layer, owners=["team:analytics-engineering"])
        return spec


class DbtCli(DbtCliResource):
    """dagster-dbt's resource without two start-up costs this project does not need (about 6 s
    per daily run, measured with py-spy at 100k accounts).

    - ``dbt --version`` in a subprocess (4 s of imports) to learn the version: the dbt run is
      the one installed beside this Python (``DBT_EXECUTABLE``), so its package says it.
    - A dbt adapter set up in this process (all macros parsed, 3 s per dbt step), used only by
      ``fetch_row_counts``/``fetch_column_metadata``; the row counts are read after dbt exits
      (``dbt_models``) and without an adapter dagster-dbt skips both.
    """

    @cached_property
    def _cli_version(self) -> Version:
        if Path(self.dbt_executable).resolve() != Path(DBT_EXECUTABLE).resolve():
            return super()._cli_version
        return Version(re.match(r"\d+\.\d+\.\d+", version("dbt-core")).group(0))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCli:
    return DbtCli(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE)


@contextmanager
def warehouse_env(path: str) -> Iterator[None]:
    """dbt's profile reads UPSELL_WAREHOUSE: point it at the resource's warehouse."""
    before = os.environ.get("UPSELL_WAREHOUSE")
    os.environ["UPSELL_WAREHOUSE"] = path
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("UPSELL_WAREHOUSE", None)
        else:
            os.environ["UPSELL_WAREHOUSE"] = before


MANIFEST_PATH = ensure_manifest()


@cache
def delivery_scoped_tests() -> frozenset[str]:
    return frozenset(test_scope.scoped_tests(json.loads(MANIFEST_PATH.read_text())))


@dbt_assets(
    manifest=MANIFEST_PATH,
    project=DBT_PROJECT,
    dagster_dbt_translator=UpsellDbtTranslator(),
    name="dbt_models",
    pool=WAREHOUSE_POOL,
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCli, warehouse: Warehouse):
    tables: dict[dg.AssetKey, str] = {}
    full_refresh = context.run.job_name == FULL_REFRESH_JOB
    scoped = delivery_scoped_tests() & {key.name for key in context.selected_asset_check_keys}
    if scoped:
        with warehouse.connect() as con:
            after = test_scope.begin(con, context.run.run_id, utc_now(), whole_tables=full_refresh)
        context.log.info(
            f"{', '.join(sorted(scoped))}: "
            + (f"keys of deliveries loaded after {after}" if after else "whole tables")
        )
    passed: set[str] = set()
    with warehouse_env(warehouse.path):
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
            release_dbt_connections()
            prune_invocation_folders(DBT_DIR / "target")
    # The stream raises when dbt fails, so this is a run whose tests all passed.
    with warehouse.connect(read_only=not scoped) as con:
        if scoped and scoped <= passed:
            test_scope.mark_passed(con, context.run.run_id)
        for key, relation in tables.items():
            rows = con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
            yield dg.AssetObservation(asset_key=key, metadata={"dagster/row_count": rows})


def utc_now() -> datetime:
    """Naive UTC, as the loader writes raw._deliveries.loaded_at."""
    return datetime.now(UTC).replace(tzinfo=None)


def built_table(manifest: Mapping[str, Any], event: Any) -> str | None:
    """``"schema"."table"`` of a model or snapshot dbt has just written as a table (views would
    run their query to be counted)."""
    if not isinstance(event, dg.Output) or "unique_id" not in event.metadata:
        return None
    node = manifest["nodes"].get(event.metadata["unique_id"].value, {})
    if node.get("resource_type") not in ("model", "snapshot"):
        return None
    if node["config"]["materialized"] == "view":
        return None
    return f'"{node["schema"]}"."{node["alias"]}"'


def prune_invocation_folders(target: Path, keep_days: float = 14) -> list[Path]:
    """Remove the folders dagster-dbt writes per invocation (``target/dbt_models-<run>-<id>``:
    manifest, compiled SQL, logs; two per daily run) once older than ``keep_days``. No run
    lasts that long, so a running invocation's folder is never touched."""
    cutoff = time.time() - keep_days * 86_400
    old = [p for p in target.glob("dbt_models*-*") if p.is_dir() and p.stat().st_mtime < cutoff]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    return old


def run_dbt(args: list[str], warehouse: Path, work_dir: Path, raise_on_failure: bool = True):
    """Run dbt in this process against ``warehouse``, with target and logs under ``work_dir``
    (benchmarks and tests; the assets go through ``DbtCli``)."""
    with warehouse_env(str(warehouse)):
        result = dbtRunner().invoke(
            [*args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--quiet",
             "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")]
        )  # fmt: skip
    release_dbt_connections()
    if raise_on_failure and not result.success:
        raise RuntimeError(f"dbt {args[0]} failed: {result.exception or result.result}")
    return result.result


def release_dbt_connections() -> None:
    """Close the DuckDB database that fetching row counts opened in this process.

    dbt-duckdb keeps it open for the life of the process, which would keep the warehouse
    file locked for everyone else (the next step, a BI tool) after the run.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV
    if env is not None:
        env.close()
    DuckDBConnectionManager.close_all_connections()
