"""The dbt project: where it is, its manifest (parsed when stale, once per process), and the
environment its profile reads."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from dagster_dbt import DbtProject
from dbt.cli.main import dbtRunner

from upsell.config import Settings
from upsell.targets.dsn import LIBPQ_SETTINGS, libpq_env, salt_options
from upsell.targets.spark_session import jvm_env

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


def target_path(target: str) -> Path:
    """dbt's artifacts folder for an engine (UPSELL_TARGET), relative to the project: DuckDB's
    is ``target``, another engine's a folder of its own inside it. A manifest is parsed for one
    engine, so two installations on different engines that share this project (the engine
    tests run them at once) would otherwise parse over each other's manifest."""
    return Path("target") if target == "duckdb" else Path("target", target)


DBT_PROJECT = DbtProject(
    project_dir=DBT_DIR,
    profiles_dir=DBT_DIR,
    target_path=target_path(os.environ.get("UPSELL_TARGET", "duckdb")),
)
OUTPUTS = {"target", "logs"}  # folders dbt writes: not sources of the manifest
# what profiles.yml reads (PGPASSWORD too, left out here: a parse does not depend on it)
PROFILE_ENV = (
    "UPSELL_TARGET",
    "UPSELL_WAREHOUSE",
    "UPSELL_DUCKDB_MEMORY_LIMIT",
    "UPSELL_DBT_THREADS",
    *LIBPQ_SETTINGS,
    "UPSELL_SPARK_MASTER",
    "UPSELL_SPARK_WAREHOUSE",
    "UPSELL_SPARK_SHUFFLE_PARTITIONS",
)


@cache
def manifest_path() -> Path:
    """The project's manifest, made current for the configured warehouse on first use.

    ``@dbt_assets`` reads the manifest when the asset is defined, so loading the definitions
    calls this once; importing this module, the runners or the tests' helpers does not parse.
    """
    return ensure_manifest()


@cache
def manifest() -> dict[str, Any]:
    return json.loads(manifest_path().read_text())


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
        profile_env(*_configured(warehouse)),
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


def _configured(warehouse: str | None) -> tuple[str, str, str, dict[str, str]]:
    settings = Settings.from_env(paths=("warehouse",))
    return (
        warehouse or str(settings.warehouse),
        settings.target,
        settings.postgres_dsn,
        settings.spark_env(),
    )


@contextmanager
def profile_env(
    warehouse: str, target: str = "duckdb", dsn: str = "", spark: dict[str, str] | None = None
) -> Iterator[None]:
    """Point dbt's profile at this installation's engine: the DuckDB file, PostgreSQL's
    libpq settings with the PII salt as a custom setting (``PGOPTIONS``, macro pii_salt), or
    Spark's UPSELL_SPARK_* settings (the salt read by Spark's parser from the driver's
    environment, macro pii_salt)."""
    values = {
        "UPSELL_WAREHOUSE": warehouse,
        "UPSELL_TARGET": target,
        # read by dbt and by dagster-dbt for each invocation's folder
        "DBT_TARGET_PATH": str(target_path(target)),
    }
    if target == "spark":
        values |= spark or {}
        values |= jvm_env(values.get("UPSELL_SPARK_MASTER", ""))
    if target == "postgres":
        values |= libpq_env(dsn)
        values["PGOPTIONS"] = " ".join(
            filter(None, [os.environ.get("PGOPTIONS", ""), salt_options()])
        )
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
