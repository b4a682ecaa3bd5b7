"""One pipeline run as the product runs it, timed stage by stage (the benchmark's worker):
``python -m benchmarks.stages JOB OUT.json``, configured by the ``UPSELL_*`` variables.

Stage times come from the run's own Dagster event log (step start to step end), dbt's share
from its ``run_results.json``, and the model steps' split from their materialization metadata.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import dagster as dg

from orchestration.dbt.project import DBT_DIR
from orchestration.defs.model import MODEL_KEY, SCORES_KEY
from orchestration.instance import dagster_home
from orchestration.pipeline import execute
from upsell.config import Settings

STEP_END = {"STEP_SUCCESS", "STEP_FAILURE"}
# The feature table and the per-topic models it joins
FEATURE_MODELS_DIR = "models/intermediate/features/"


def step_seconds(records) -> dict[str, float]:
    """Wall seconds per step key, from the first start to the last end in the event log."""
    starts, ends = {}, {}
    for record in records:
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            starts.setdefault(event.step_key, record.timestamp)
        elif event.event_type_value in STEP_END:
            ends[event.step_key] = record.timestamp
    return {key: ends[key] - starts[key] for key in starts if key in ends}


def run_seconds(records) -> float:
    """From the run's first event to its last."""
    return records[-1].timestamp - records[0].timestamp if records else 0.0


def feature_models(manifest: dict) -> set[str]:
    """The unique ids of fct_account_features and of the models in its topic folder."""
    return {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        and (
            node["original_file_path"].startswith(FEATURE_MODELS_DIR)
            or node["name"] == "fct_account_features"
        )
    }


def dbt_timings(run_id: str) -> dict:
    """dbt's own elapsed time and its per-node times, summed over the run's invocations."""
    totals: dict[str, float] = defaultdict(float)
    for path in sorted(DBT_DIR.glob(f"target/dbt_models*-{run_id[:7]}-*/run_results.json")):
        results = json.loads(path.read_text())
        features = feature_models(json.loads((path.parent / "manifest.json").read_text()))
        totals["elapsed"] += results["elapsed_time"]
        for node in results["results"]:
            kind = node["unique_id"].split(".")[0]
            totals[f"{kind}_sum"] += node["execution_time"]
            if node["unique_id"] in features:
                totals["features_model"] += node["execution_time"]
        totals["invocations"] += 1
        # dbt's worker threads (hooks run on "main")
        used = len({n["thread_id"] for n in results["results"] if n["thread_id"] != "main"})
        totals["threads_used"] = max(totals["threads_used"], used)
    return dict(totals)


def materialization_metadata(result, key: dg.AssetKey) -> dict:
    for event in result.get_asset_materialization_events():
        if event.asset_key == key:
            return {k: v.value for k, v in event.materialization.metadata.items()}
    return {}


def main() -> None:
    job, out = sys.argv[1], Path(sys.argv[2])
    settings = Settings.from_env()
    dagster_home(settings)
    with dg.DagsterInstance.get() as instance:
        result = execute(settings, job, instance)
        records = instance.all_logs(result.run_id)
    model = materialization_metadata(result, MODEL_KEY)
    out.write_text(
        json.dumps(
            {
                "job": job,
                "success": result.success,
                "run_seconds": run_seconds(records),
                "steps": step_seconds(records),
                "dbt": dbt_timings(result.run_id),
                "model": {k: v for k, v in model.items() if isinstance(v, int | float | str)},
                "scores": {
                    k: v
                    for k, v in materialization_metadata(result, SCORES_KEY).items()
                    if isinstance(v, int | float)
                },
            },
            indent=2,
        )
    )
    sys.exit(0 if result.success else 1)


if __name__ == "__main__":
    main()
