"""`make dev`'s Dagster UI (`upsell ui`) starts on the instance settings `upsell` writes (its
event log storage included), serves every asset over GraphQL, lists the runs `upsell` started
under their job, and stops."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERY = "{ assetNodes { assetKey { path } } }"
# The query of a job page's Runs tab: the job's name and the code location's repository tag.
JOB_RUNS = """{ pipelineRunsOrError(filter: {pipelineName: "full_refresh", tags: [{key:
  ".dagster/repository", value: "__repository__@account_upsell"}]}) { ... on Runs {
  results { runId status } } } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict | None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())["data"]
    except (OSError, KeyError, TypeError, ValueError):
        return None


def _assets(port: int) -> list[str] | None:
    data = _graphql(port, QUERY)
    if not data:
        return None
    return ["/".join(n["assetKey"]["path"]) for n in data["assetNodes"]] or None


def test_dagster_dev_serves_the_asset_graph(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path),
        "UPSELL_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "UPSELL_LANDING_DIR": str(tmp_path / "landing"),
        "UPSELL_SERVING": str(tmp_path / "serving.duckdb"),
        "UPSELL_MODEL_DIR": str(tmp_path / "models"),
    }
    # as `make dev` does
    process = subprocess.Popen(
        [sys.executable, "-m", "upsell.cli", "ui", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        assets = None
        deadline = time.time() + 240
        while assets is None and time.time() < deadline and process.poll() is None:
            time.sleep(2)
            assets = _assets(port)
        assert assets, "the UI did not answer on GraphQL in time"
        for expected in ("raw/crm_accounts", "marts/fct_mrr_movements", "ml/propensity_model",
                         "ml/propensity_scores", "serving/bi_duckdb"):  # fmt: skip
            assert expected in assets
        assert "PooledSqliteEventLogStorage" in (tmp_path / "dagster.yaml").read_text()
        # a run started from the command line (it fails at once: the landing zone is empty)
        (tmp_path / "landing").mkdir()
        cli_run = [sys.executable, "-m", "upsell.cli", "run"]
        subprocess.run(cli_run, cwd=ROOT, env=env, capture_output=True, timeout=600)
        runs = _graphql(port, JOB_RUNS)["pipelineRunsOrError"]["results"]
        assert len(runs) == 1, runs
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
