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
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.common import CACHE, against_oracle, landing_for
from benchmarks.direct_sql import run_direct
from benchmarks.engines import bench_engines
from benchmarks.figures import stages
from benchmarks.report import kept_engines, kept_scales, write_report
from benchmarks.workers import ROOT, hard_link_delivery, run_worker
from ml import registry
from ml.features import prepare
from ml.fit import predict
from ml.split import out_of_time_split
from orchestration.dbt.runs import run_dbt
from upsell.config import DEFAULTS
from upsell.sample_data import generate
from upsell.sample_data.simulate import Options


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # 1,500 accounts: the fixed cost of a run, with next to no data to process
    # none (`--accounts --merge`): only the engine comparison, the scales measured before kept
    parser.add_argument("--accounts", type=int, nargs="*", default=[1_500, 10_000, 100_000])
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
    parser.add_argument(
        "--engines-accounts",
        type=int,
        default=10_000,
        help="the scale of the engine comparison (DuckDB against PostgreSQL); 0 skips it",
    )
    return parser.parse_args()


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


def main() -> None:
    args = parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    scales = []
    kept = kept_scales(args.out, args.accounts) if args.merge else []
    engines = kept_engines(args.out) if args.merge else None
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
        write_report(args.out, measured, args.memory_limit, engines)
    if args.engines_accounts:
        print(f"engines at {args.engines_accounts:,} accounts x {args.months} months")
        engines = bench_engines(args.engines_accounts, args.months, args.repeats,
                                args.memory_limit, args.dbt_threads)  # fmt: skip
        measured = sorted(kept + scales, key=lambda s: s["accounts"])
        write_report(args.out, measured, args.memory_limit, engines)
    print(f"wrote {args.out / 'BENCHMARKS.md'} and {args.out / 'benchmarks.json'}")


if __name__ == "__main__":
    main()
