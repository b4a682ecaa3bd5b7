"""Tiny runs of the benchmarks, so that they cannot rot (timings are reported, not asserted)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done.stdout


def test_pipeline_benchmark_writes_every_stage_of_every_run(tmp_path):
    """`make bench` at a tiny scale and one repeat: the table and the JSON have every stage;
    dbt builds one model at a time when told to (as the 1M benchmark runs). The engines are
    left out: tests/test_engines_same_marts.py and test_spark_same_marts.py run them end to end."""
    out = tmp_path / "docs"
    _run(["benchmarks.bench_pipeline", "--accounts", "1500", "--months", "12",
          "--repeats", "1", "--dbt-threads", "1", "--out", str(out),
          "--engines-accounts", "0"], tmp_path)  # fmt: skip
    report = json.loads((out / "benchmarks.json").read_text())
    (scale,) = report["scales"]
    stages = scale["median"]
    positive = ["ingest", "raw_checks", "dbt_build", "dbt_elapsed", "direct_sql", "features",
                "train", "score", "publish", "full_run", "daily_run", "daily_raw_checks",
                "daily_dbt_build"]  # fmt: skip
    assert all(stages[name] > 0 for name in positive), stages
    assert 0.1 < stages["full_peak_rss_gib"] < 24, stages
    assert stages["daily_share"] == stages["daily_run"] / stages["full_run"]
    assert scale["dbt_threads"] == 1 and stages["dbt_threads_used"] == 1
    assert 0.5 < scale["model"]["roc_auc"] <= 1 and 0.5 < scale["model"]["oracle_roc_auc"] <= 1
    page = (out / "BENCHMARKS.md").read_text()
    assert "| 1,500 accounts |" in page
    assert "| dbt threads (`UPSELL_DBT_THREADS`) | 1 |" in page
    assert re.search(r"\*\*ratio dbt build / direct SQL\*\* .* \| \d+\.\d\dx \|", page)
    assert (tmp_path / "data" / "bench" / "1500x12d1" / "landing").is_dir()  # cached
    assert "engines" not in report  # --engines-accounts 0: none measured


def test_model_benchmark_reports_auc_against_the_oracle(tmp_path):
    out = _run(["benchmarks.bench_model", "--accounts", "1500", "--months", "12"], tmp_path)
    assert re.search(r"ROC AUC 0\.\d+  oracle 0\.\d+  ratio \d\.\d+", out)


def test_direct_sql_runs_under_the_settings_of_dbts_profile():
    from benchmarks.direct_sql import profile_settings, sql_literal

    settings = profile_settings()
    assert "memory_limit" not in settings  # set on its own, per benchmark run
    assert settings["preserve_insertion_order"] is False
    assert [sql_literal(v) for v in (False, "it's", 4)] == ["false", "'it''s'", "4"]


def test_the_feature_models_timed_are_the_folder_and_the_feature_table():
    from benchmarks.stages import feature_models
    from orchestration.dbt.project import DBT_DIR, manifest

    found = feature_models(manifest())
    folder = DBT_DIR / "models" / "intermediate" / "features"
    expected = {p.stem for p in folder.glob("*.sql")} | {"fct_account_features"}
    assert len(expected) > 2
    assert {unique_id.rsplit(".", 1)[1] for unique_id in found} == expected


def test_the_engine_table_shows_each_engine_beside_duckdb_with_its_ratio():
    from benchmarks.engines import SHOWN
    from benchmarks.report import render

    medians = {
        "duckdb": {k: 10.0 for k in SHOWN},
        "postgres": {k: 25.0 for k in SHOWN},
        "spark": {k: 40.0 for k in SHOWN},
    }
    engines = {"accounts": 10_000, "months": 24, "repeats": 3, "median": medians}
    report = {
        "machine": {"date": "d", "cpus": 2, "memory_gib": 24, "platform": "p", "python": "3",
                    "versions": {}},
        "memory_limit": "4GB", "scales": [], "engines": engines,
    }  # fmt: skip
    page = render(report, "# Benchmarks\n\nprose kept\n")
    assert "prose kept" in page and "<!-- engines: begin -->" in page
    assert ("| **full run** (Dagster run start to end) | 10.0 s | 25.0 s | 2.50x | 40.0 s | 4.00x |"
            in page)  # fmt: skip
    assert render(report, page).count("<!-- engines: begin -->") == 1  # replaced, not added
