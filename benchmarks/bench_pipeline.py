"""The pipeline benchmark behind ``make bench``: every stage timed at each scale, against the
direct-SQL limit, written to ``docs/BENCHMARKS.md`` and ``docs/benchmarks.json``.

Per scale: a landing zone of a full delivery and a daily one is generated once and cached
under data/bench/ (the generation itself is timed on every repeat). Each repeat, in a fresh
folder, runs the first full run (``full_refresh``: ingest -> checks -> dbt build -> train ->
score -> publish) on the first delivery in its own process, then the compiled SQL of the same
dbt models directly on a copy of the warehouse, then ``daily_refresh`` after the second
delivery arrives. Medians of the repeats are reported; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import duckdb

from benchmarks.common import CACHE, against_oracle, landing_for
from benchmarks.direct_sql import run_direct
from benchmarks.report import render
from ml import registry
from ml.features import prepare
from ml.fit import predict
from ml.split import out_of_time_split
from orchestration.dbt.runs import run_dbt
from upsell.config import DEFAULTS, folder_env
from upsell.sample_data import generate
from upsell.sample_data.simulate import Options

ROOT = Path(__file__).resolve().parents[1]
PAGE = os.sysconf("SC_PAGE_SIZE")
PACKAGES = ["dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "great-expectations",
            "pandas", "scikit-learn"]  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # 1,500 accounts: the fixed cost of a run, with next to no data to process
    parser.add_argument("--accounts", type=int, nargs="+", default=[1_500, 10_000, 100_000])
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=3)
    limit = os.environ.get("UPSELL_DUCKDB_MEMORY_LIMIT", "4GB")
    parser.add_argument("--memory-limit", default=limit, help="DuckDB's, per process")
    threads = int(os.environ.get("UPSELL_DBT_THREADS", DEFAULTS["UPSELL_DBT_THREADS"]))
    parser.add_argument(
        "--dbt-threads", type=int, default=threads, help="models dbt builds at once"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument(
        "--only-full", action="store_true", help="skip the direct-SQL limit and the daily run"
    )
    parser.add_argument(
        "--merge", action="store_true", help="keep the other scales already in the JSON report"
    )
    return parser.parse_args()


def run_worker(job: str, work: Path, memory_limit: str, dbt_threads: int) -> dict:
    """One job in its own process; wall time and peak RSS of it and its children (dbt)."""
    env = {
        **os.environ,
        **folder_env(work),
        "PYTHONPATH": str(ROOT),
        "UPSELL_DUCKDB_MEMORY_LIMIT": memory_limit,
        "UPSELL_DBT_THREADS": str(dbt_threads),
    }
    out = work / f"{job}.json"
    started = time.perf_counter()
    with (work / f"{job}.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.stages", job, str(out)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.05)
    timings = json.loads(out.read_text()) if out.exists() else {"success": False}
    if process.returncode != 0 or not timings["success"]:
        # the work folder is temporary: the log goes with the error, not as a path to it
        tail = (work / f"{job}.log").read_text(errors="replace").splitlines()[-40:]
        raise RuntimeError(
            f"{job} failed (exit code {process.returncode}, peak RSS {peak / 1024**3:.2f} GiB); "
            "the end of its log:\n" + "\n".join(tail)
        )
    timings["wall_seconds"] = time.perf_counter() - started
    timings["peak_rss_gib"] = peak / 1024**3
    return timings


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants now (0 once gone).

    Sampled, because ``ru_maxrss`` of a child starts from its parent's peak on Linux."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * PAGE
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def direct_sql(work: Path, memory_limit: str) -> dict:
    """The compiled models and tests, run directly on a copy of the warehouse after the run."""
    direct = work / "direct"
    direct.mkdir()
    copy = direct / "warehouse.duckdb"  # same file name: the compiled SQL names the database
    shutil.copy(work / "warehouse.duckdb", copy)
    # as the full run built them: incremental models compiled as their first build
    run_dbt(["compile", "--full-refresh"], copy, direct)
    result = run_direct(copy, direct / "target" / "manifest.json", memory_limit)
    shutil.rmtree(direct)
    return result


def model_quality(work: Path, truth: Path) -> dict:
    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    frame = prepare(con.execute("SELECT * FROM marts.fct_account_features").df())
    con.close()
    split = out_of_time_split(frame, holdout_snapshots=3)
    root = work / "models"
    model = registry.load(root, registry.champion(root))
    return against_oracle(split.holdout, predict(model, split.holdout), truth)


def stages(full: dict, daily: dict | None, direct: dict | None, generated: float) -> dict:
    """The figures of one repeat, in seconds unless named otherwise (the direct-SQL and daily
    figures are left out of a ``--only-full`` run)."""
    steps, dbt = full["steps"], full["dbt"]
    dbt_wall = sum(v for k, v in steps.items() if k.startswith("dbt_models"))
    scored = full["scores"].get("dagster/row_count", 0)
    return (
        {
            "generate": generated,
            "ingest": steps.get("landing_zone_ingest", 0.0),
            "raw_checks": steps.get("raw_suites", 0.0),
            "dbt_build": dbt_wall,
            "dbt_elapsed": dbt.get("elapsed", 0.0),
            "dbt_overhead": dbt_wall - dbt.get("elapsed", 0.0),
            "dbt_threads_used": dbt.get("threads_used", 0.0),
            "features": dbt.get("features_model", 0.0) + full["model"]["seconds_loading_features"],
            "train": full["model"]["seconds_training_and_evaluating"],
            "score": full["scores"]["seconds_scoring"],
            "scoring_rows_per_second": scored / max(full["scores"]["seconds_scoring"], 1e-9),
            "publish": steps.get("serving__bi_duckdb", 0.0),
            "full_run": full["run_seconds"],
            "full_process": full["wall_seconds"],
            "full_peak_rss_gib": full["peak_rss_gib"],
        }
        | (direct_stages(direct, dbt.get("elapsed", 0.0), dbt_wall) if direct else {})
        | (daily_stages(daily, full) if daily else {})
    )


def direct_stages(direct: dict, dbt_elapsed: float, dbt_wall: float) -> dict:
    return {
        "direct_sql": direct["seconds"],
        "direct_sql_models": direct["models_seconds"],
        "direct_sql_tests": direct["tests_seconds"],
        "dbt_to_direct": dbt_elapsed / direct["seconds"],
        "dbt_step_to_direct": dbt_wall / direct["seconds"],
    }


def daily_stages(daily: dict, full: dict) -> dict:
    steps = daily["steps"]
    return {
        "daily_run": daily["run_seconds"],
        "daily_process": daily["wall_seconds"],
        "daily_share": daily["run_seconds"] / full["run_seconds"],
        "daily_peak_rss_gib": daily["peak_rss_gib"],
        "daily_ingest": steps.get("landing_zone_ingest", 0.0),
        "daily_raw_checks": steps.get("raw_suites", 0.0),
        "daily_dbt_build": sum(v for k, v in steps.items() if k.startswith("dbt_")),
        "daily_features_model": daily["dbt"].get("features_model", 0.0),
        "daily_score": daily["scores"]["seconds_scoring"],
    }


def hard_link_delivery(delivery: Path, landing: Path) -> None:
    """The cached delivery in a run's landing zone without copying its files: hard links, since
    the loader refuses symbolic links that lead out of the landing zone."""
    target = landing / delivery.name
    target.mkdir()
    for path in delivery.iterdir():
        os.link(path, target / path.name)


def bench_scale(
    accounts: int,
    months: int,
    repeats: int,
    memory_limit: str,
    dbt_threads: int,
    only_full: bool = False,
) -> dict:
    landing = landing_for(accounts, months, deliveries=1)
    truth = landing.parent / "truth" / "expansion_probability.parquet"
    first, second = sorted(p for p in landing.iterdir() if p.is_dir())
    runs, quality, rows = [], {}, 0
    for repeat in range(repeats):
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            work = Path(tmp)
            started = time.perf_counter()
            opts = Options(accounts=accounts, months=months, deliveries=1)
            generate(opts, work / "generated", work / "generated-truth")
            generated = time.perf_counter() - started
            shutil.rmtree(work / "generated")
            (work / "landing").mkdir()
            hard_link_delivery(first, work / "landing")
            full = run_worker("full_refresh", work, memory_limit, dbt_threads)
            direct = None if only_full else try_direct_sql(work, memory_limit)
            if repeat == 0:
                quality = {**model_quality(work, truth), **full["model"]}
                with duckdb.connect(str(work / "warehouse.duckdb"), read_only=True) as con:
                    rows = con.execute(
                        "SELECT sum(input_records) FROM raw._load_manifest"
                    ).fetchone()[0]
            daily = None
            if not only_full:
                hard_link_delivery(second, work / "landing")
                daily = run_worker("daily_refresh", work, memory_limit, dbt_threads)
            runs.append(stages(full, daily, direct, generated))
            done = f"full run {full['run_seconds']:.1f} s" + (
                f", daily {daily['run_seconds']:.1f} s" if daily else ""
            )
            print(f"  {accounts:,} accounts, repeat {repeat + 1}: {done}", flush=True)
    keys = dict.fromkeys(k for run in runs for k in run)  # a failed direct SQL leaves its out
    medians = {k: statistics.median(r[k] for r in runs if k in r) for k in keys}
    return {"accounts": accounts, "months": months, "repeats": repeats, "input_rows": rows,
            "dbt_threads": dbt_threads, "median": medians, "runs": runs,
            "model": quality}  # fmt: skip


def try_direct_sql(work: Path, memory_limit: str) -> dict | None:
    """The direct SQL's figures, or None with the reason printed: the pipeline's figures of
    that repeat are kept either way."""
    try:
        return direct_sql(work, memory_limit)
    except duckdb.Error as exc:
        print(f"  direct SQL failed: {str(exc).splitlines()[0]}", flush=True)
        return None


def machine() -> dict:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {p: version(p) for p in PACKAGES},
    }


def main() -> None:
    args = parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    scales, kept = [], []
    if args.merge and (args.out / "benchmarks.json").exists():
        previous = json.loads((args.out / "benchmarks.json").read_text())["scales"]
        kept = [s for s in previous if s["accounts"] not in args.accounts]
    for accounts in args.accounts:
        print(f"benchmarking {accounts:,} accounts x {args.months} months, {args.repeats} repeats")
        scales.append(
            bench_scale(
                accounts,
                args.months,
                args.repeats,
                args.memory_limit,
                args.dbt_threads,
                args.only_full,
            )
        )
        # written after every scale: a long run that is stopped keeps what it measured
        measured = sorted(kept + scales, key=lambda s: s["accounts"])
        report = {"machine": machine(), "memory_limit": args.memory_limit, "scales": measured}
        (args.out / "benchmarks.json").write_text(json.dumps(report, indent=2) + "\n")
        page = args.out / "BENCHMARKS.md"
        page.write_text(render(report, page.read_text() if page.exists() else ""))
    print(f"wrote {args.out / 'BENCHMARKS.md'} and {args.out / 'benchmarks.json'}")


if __name__ == "__main__":
    main()
