"""The dbt project parses, and its raw sources are exactly the landing contract's tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from dbt.cli.main import dbtRunner

from orchestration.contract import TABLES

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
