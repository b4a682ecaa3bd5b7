"""Running `upsell run` on an engine and reading back what it published, for the tests that
compare engines cell by cell; and a small raw layer for the engines' copy tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from upsell.config import folder_env
from upsell.targets.compare import differences

RUN_STAMPS = {"model_version", "scored_at"}  # when and by which run, not what
SALT = "engine-test-salt-5d1f"  # must not appear in any file a run leaves


def upsell_run(root: Path, landing: Path, **env: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "upsell.cli", "run"],
        env={**os.environ, **folder_env(root), "UPSELL_LANDING_DIR": str(landing),
             "UPSELL_PII_SALT": SALT, **env},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout[-3000:]


def full_then_daily(landing: Path, root: Path, engines: dict[str, dict[str, str]]) -> None:
    """Each engine's run without the landing zone's last delivery (a full run: ingest, dbt,
    training, scoring, publishing), then with it (a daily run: the copy of what the delivery
    touched, incremental models)."""
    last = max(landing.iterdir())
    held_back = root / "held_back"
    shutil.move(last, held_back)
    for name, env in engines.items():
        upsell_run(root / name, landing, **env)
    shutil.move(held_back, last)
    for name, env in engines.items():
        upsell_run(root / name, landing, **env)


def duckdb_reference(small_landing: Path, root: Path) -> dict:
    """The DuckDB runs (full, then daily) of the small landing zone in ``root``, which every
    engine is compared with; built once per test session (``tests.once``)."""
    landing = root / "landing"
    shutil.copytree(small_landing, landing)
    full_then_daily(landing, root, {"duckdb": {}})
    return {"runs": str(root / "duckdb")}


def published(serving: Path) -> dict:
    """Every table of a serving file but its metadata, without the run stamps."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name <> 'meta' "
            "ORDER BY 1, 2"
        ).fetchall()
        found = {}
        for schema, table in tables:
            data = con.sql(f"SELECT * FROM {schema}.{table}").to_arrow_table()
            keep = [c for c in data.column_names if c not in RUN_STAMPS]
            found[f"{schema}.{table}"] = data.select(keep)
        return found
    finally:
        con.close()


def published_differences(expected_serving: Path, actual_serving: Path) -> list[str]:
    """What differs between two serving files, table by table and cell by cell."""
    expected, actual = published(expected_serving), published(actual_serving)
    assert sorted(actual) == sorted(expected)
    assert expected["ml.propensity_scores"].num_rows > 0  # a model was trained and scored
    found = []
    for name, table in expected.items():
        found += differences(name, table, actual[name])
    return found


def files_holding(folder: Path, *secrets: str) -> list[str]:
    """The files under ``folder`` (DuckDB's own files aside) that hold any of ``secrets``."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix not in (".duckdb", ".wal"):
            content = path.read_bytes()
            found += [f"{path}: {s[:4]}…" for s in secrets if s.encode() in content]
    return found


def raw_sample() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB warehouse with one raw table of every type the raw layer uses."""
    source = duckdb.connect()
    source.execute("CREATE SCHEMA raw")
    source.execute(
        "CREATE TABLE raw.t AS SELECT range AS id, (range / 3)::DECIMAL(18, 4) AS amount, "
        "'2026-01-01'::DATE + range::INT AS day, range % 2 = 0 AS even, 'x' || range AS name, "
        "NULL::DOUBLE AS nothing, TIMESTAMP '2026-01-01 23:30:00' AS at FROM range(1000)"
    )
    return source
