"""Tiny runs of the benchmark scripts, so that they cannot rot (timings are not asserted)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(module: str, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", module, "--accounts", "150", "--months", "3", "--repeats", "1"]
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_generator_benchmark_reports_its_speed(tmp_path):
    out = _run("benchmarks.bench_generator", tmp_path)
    assert re.search(r"generator: 150 accounts x 3 months, [\d,]+ rows; median [\d.]+ s", out)


def test_ingest_benchmark_reports_its_speed(tmp_path):
    out = _run("benchmarks.bench_ingest", tmp_path)
    assert re.search(r"ingest: 150 accounts x 3 months, [\d,]+ rows; .* rows/s", out)
    assert (tmp_path / "data" / "bench" / "150x3" / "landing").is_dir()


def test_model_benchmark_reports_auc_against_the_oracle(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "benchmarks.bench_model", "--accounts", "1500", "--months", "12"]
    done = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"ROC AUC 0\.\d+  oracle 0\.\d+  ratio \d\.\d+", done.stdout)
