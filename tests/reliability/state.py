"""What the reliability tests share: running the product's jobs on a folder, and a content
hash of every table a user can see, to compare runs."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.pipeline import execute
from upsell.config import Settings, folder_env
from upsell.sample_data import generate
from upsell.sample_data.simulate import Options

OPTIONS = Options(accounts=1000, months=12, seed=7, end_date=date(2026, 10, 31), deliveries=1)
# Columns that say when something ran, not what the data is: left out of content hashes.
RUN_STAMPS = {"scored_at", "published_at", "model_version"}
# Secrets the reliability tests run with, to look for where they must not be.
SALT = "salt-7f3c1e0a9b2d4c68"
DBT_SECRET = "dbt-secret-5a9e2b7c1d3f4e60"


def settings(root: Path, **overrides) -> Settings:
    env = {**folder_env(root), "UPSELL_ALLOWED_ROOTS": str(root)}
    return replace(Settings.from_env(env), **overrides)


def generated(root: Path) -> list[Path]:
    """The two generated deliveries (a full one and a daily one), outside the landing zone."""
    generate(OPTIONS, root / "generated", root / "truth")
    return sorted(p for p in (root / "generated").iterdir() if p.is_dir())


def deliver(delivery: Path, root: Path) -> None:
    shutil.copytree(delivery, root / "landing" / delivery.name)


def run(root: Path, job: str, **overrides):
    with dg.DagsterInstance.ephemeral() as instance:
        return execute(settings(root, **overrides), job, instance)


def content(path: Path, schemas=("marts", "ml", "meta"), stamps=RUN_STAMPS) -> dict[str, list[int]]:
    """(rows, order-independent hash) per table of ``schemas``; doubles rounded to 9 places
    (parallel sums may differ in the last bit), run time stamps left out."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for schema, table, column, kind in con.execute(
            "SELECT table_schema, table_name, column_name, data_type FROM "
            "information_schema.columns WHERE table_schema IN (SELECT unnest(?)) "
            "ORDER BY table_schema, table_name, ordinal_position",
            [list(schemas)],
        ).fetchall():
            if column in stamps:
                continue
            expr = f'round("{column}", 9)' if kind in ("DOUBLE", "FLOAT") else f'"{column}"'
            columns.setdefault(f"{schema}.{table}", []).append(expr)
        out = {}
        for name, exprs in columns.items():
            query = (
                f"SELECT count(*), coalesce(sum(hash({', '.join(exprs)})::HUGEINT), 0) FROM {name}"
            )
            out[name] = list(con.execute(query).fetchone())
        return out
    finally:
        con.close()
