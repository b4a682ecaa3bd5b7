"""The dbt project parses, and its raw sources are exactly the landing contract's tables;
old dbt invocation folders are pruned."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from dbt.cli.main import dbtRunner

from orchestration.contract import TABLES
from orchestration.defs.transform import prune_invocation_folders

PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"


def test_dbt_parses_with_every_raw_source(tmp_path, monkeypatch):
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setenv("UPSELL_WAREHOUSE", str(tmp_path / "w.duckdb"))
    result = dbtRunner().invoke(
        ["parse", "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"]
    )
    assert result.success, result.exception
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    sources = {
        s["name"]: s
        for s in manifest["sources"].values()
        if s["source_name"] == "raw" and not s["name"].startswith("_") and "__" not in s["name"]
    }
    assert set(sources) == set(TABLES)
    for name, source in sources.items():
        assert source["schema"] == "raw"
        assert list(source["columns"]) == TABLES[name].column_names
        assert source["description"]


def test_old_dbt_invocation_folders_are_pruned(tmp_path):
    old, new, other = (tmp_path / n for n in ("dbt_models-abc-1", "dbt_models_2-def-2", "run"))
    for folder in (old, new, other):
        (folder / "compiled").mkdir(parents=True)
    fifteen_days_ago = time.time() - 15 * 86_400
    os.utime(old, (fifteen_days_ago, fifteen_days_ago))
    os.utime(other, (fifteen_days_ago, fifteen_days_ago))
    assert prune_invocation_folders(tmp_path) == [old]
    assert not old.exists() and new.exists() and other.exists()
