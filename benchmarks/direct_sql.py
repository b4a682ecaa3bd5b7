"""The limit dbt is measured against: the compiled SQL of every model, then of every data test,
executed directly in one DuckDB connection, in dependency order.

Views become views, everything else a table built by ``CREATE OR REPLACE TABLE ... AS`` (a
snapshot is timed as the table of its query: its merge is dbt's work). A data test is timed as
``SELECT count(*)`` over its query, which is what dbt asks of it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb
import yaml

from orchestration.dbt.project import DBT_DIR
from upsell.warehouse import connect

BUILT = ("model",)


def dependency_order(manifest: dict) -> list[dict]:
    """Models and snapshots, each after everything it reads."""
    nodes = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] in BUILT}
    ordered: list[dict] = []
    seen: set[str] = set()

    def visit(key: str) -> None:
        if key in seen or key not in nodes:
            return
        seen.add(key)
        for parent in nodes[key]["depends_on"]["nodes"]:
            visit(parent)
        ordered.append(nodes[key])

    for key in sorted(nodes):
        visit(key)
    return ordered


def data_tests(manifest: dict) -> list[dict]:
    return sorted(
        (v for v in manifest["nodes"].values() if v["resource_type"] == "test"),
        key=lambda v: v["unique_id"],
    )


def statement(node: dict) -> str:
    kind = "VIEW" if node["config"]["materialized"] == "view" else "TABLE"
    return f"CREATE OR REPLACE {kind} {node['relation_name']} AS {node['compiled_code']}"


def profile_settings() -> dict:
    """The DuckDB settings dbt's profile sets, but the memory limit (passed on its own): the
    direct SQL runs under the settings dbt runs under."""
    profile = yaml.safe_load((DBT_DIR / "profiles.yml").read_text())["account_upsell"]
    settings = profile["outputs"]["duckdb"].get("settings", {})
    return {k: v for k, v in settings.items() if k != "memory_limit"}


def sql_literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "'" + str(value).replace("'", "''") + "'" if isinstance(value, str) else str(value)


def run_direct(warehouse: Path, manifest_path: Path, memory_limit: str) -> dict:
    """Seconds to build every model and to run every data test with the compiled SQL."""
    manifest = json.loads(manifest_path.read_text())
    models, tests = dependency_order(manifest), data_tests(manifest)
    missing = [n["unique_id"] for n in models + tests if not n.get("compiled_code")]
    if missing:
        raise RuntimeError(f"not compiled: {', '.join(missing[:5])} (run `dbt compile` first)")
    con = connect(warehouse, memory_limit=memory_limit)
    try:
        for name, value in profile_settings().items():
            con.execute(f"SET {name} = {sql_literal(value)}")
        started = time.perf_counter()
        for node in models:
            try:
                con.execute(statement(node))
            except duckdb.Error as exc:
                raise type(exc)(f"{node['unique_id']}: {exc}") from exc
        built = time.perf_counter()
        failures = 0
        for node in tests:
            query = f"SELECT count(*) FROM ({node['compiled_code']}) AS t"
            failures += con.execute(query).fetchone()[0]
        tested = time.perf_counter()
    finally:
        con.close()
    return {
        "models": len(models),
        "tests": len(tests),
        "models_seconds": built - started,
        "tests_seconds": tested - built,
        "seconds": tested - started,
        "failing_test_rows": failures,
    }
