"""The dbt project parses, and its raw sources are exactly the landing contract's tables,
generated from it; the manifest is parsed again when a project file or the profile changes, not
when dbt writes its outputs; old dbt invocation folders are pruned; the dbt resource knows dbt's
version without asking it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

from dagster_dbt import DbtProject
from dbt.cli.main import dbtRunner

from orchestration.dbt.project import ensure_manifest
from orchestration.dbt.runs import dbt_resource, prune_invocation_folders
from upsell.compat.dagster_dbt import DBT_EXECUTABLE
from upsell.contract import TABLES
from upsell.dbt_sources import SOURCES_FILE, column_description, write_sources

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


def test_the_dbt_resource_reports_the_version_dbt_itself_reports():
    printed = subprocess.run([DBT_EXECUTABLE, "--version"], capture_output=True, text=True)
    reported = re.search(r"installed: (\d+\.\d+\.\d+)", printed.stdout).group(1)
    resource = dbt_resource()
    assert str(resource._cli_version) == reported
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_the_manifest_is_parsed_again_when_the_project_or_the_profile_changes(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    dbt = DbtProject(project_dir=project, profiles_dir=project)
    warehouse = str(tmp_path / "w.duckdb")
    manifest = ensure_manifest(dbt, warehouse)
    parsed = manifest.stat().st_mtime_ns
    later = time.time() + 10
    for output in ("logs/dbt.log", "target/dbt_models-abc-def/run_results.json"):
        (project / output).parent.mkdir(parents=True, exist_ok=True)
        (project / output).write_text("{}")
        os.utime(project / output, (later, later))
    ensure_manifest(dbt, warehouse)
    assert manifest.stat().st_mtime_ns == parsed  # dbt's outputs are not the project
    os.utime(project / "models" / "marts" / "customer_360.sql", (later, later))
    ensure_manifest(dbt, warehouse)
    assert manifest.stat().st_mtime_ns > parsed
    parsed = manifest.stat().st_mtime_ns
    # another warehouse is another profile: dbt would not reuse this parse
    ensure_manifest(dbt, str(tmp_path / "other.duckdb"))
    assert manifest.stat().st_mtime_ns > parsed


def test_the_raw_source_is_generated_from_the_contract_and_does_not_churn(tmp_path):
    written = write_sources(tmp_path / "_raw__sources.yml")
    assert SOURCES_FILE.read_text() == written.read_text(), "run python -m upsell.dbt_sources"


def test_the_raw_source_describes_each_column_with_its_contract_rules():
    accounts, usage = TABLES["crm_accounts"], TABLES["usage_daily"]
    assert column_description(accounts, accounts.column("account_id")) == "string (key)"
    assert (
        column_description(accounts, accounts.column("segment"))
        == "string, one of smb, mid_market, enterprise"
    )
    assert (
        column_description(usage, usage.column("account_id"))
        == "string, references crm_accounts.account_id (key)"
    )
    contacts = TABLES["crm_contacts"]
    assert column_description(contacts, contacts.column("email")) == "string, PII"


def test_a_column_description_shared_by_several_models_is_one_doc_block():
    """A sentence written out in three YAML places drifts; a doc block is written once."""
    import yaml

    texts = Counter()
    for path in (PROJECT / "models").rglob("*.yml"):
        for entry in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            for column in entry.get("columns", []):
                text = column.get("description", "")
                if len(text) > 25 and "doc(" not in text:
                    texts[text] += 1
    assert [t for t, n in texts.items() if n >= 3] == []
