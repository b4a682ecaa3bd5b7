"""The engines compared at one scale (``make bench``'s engine columns): the same landing zone,
full run then daily run, on DuckDB, on PostgreSQL (a throwaway local server, as the tests
start) and on Spark (local mode, a Derby metastore in the run's folder), each stage's median
and its ratio to DuckDB."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import CACHE, landing_for
from benchmarks.figures import stages
from benchmarks.workers import hard_link_delivery, run_worker

ENGINES = ("duckdb", "postgres", "spark")
# the figures the engine table shows, in its order
SHOWN = ["ingest", "raw_checks", "dbt_build", "features", "train", "score", "publish",
         "full_run", "daily_dbt_build", "daily_run", "full_peak_rss_gib"]  # fmt: skip


def _engine_env(engine: str, server, repeat: int) -> dict:
    if engine == "duckdb":
        return {}
    if engine == "spark":  # its warehouse and metastore: in the run's folder (folder_env)
        return {"UPSELL_TARGET": "spark"}
    dsn, password = server.new_database(f"bench_{int(time.time())}_{repeat}")
    return {"UPSELL_TARGET": engine, "UPSELL_POSTGRES_DSN": dsn, "PGPASSWORD": password}


def bench_engines(
    accounts: int, months: int, repeats: int, memory_limit: str, dbt_threads: int
) -> dict:
    """Medians per engine of the same stages as the main table, full and daily run."""
    from tests.postgres_server import start

    landing = landing_for(accounts, months, deliveries=1)
    first, second = sorted(p for p in landing.iterdir() if p.is_dir())
    server = start()
    measured: dict[str, list[dict]] = {engine: [] for engine in ENGINES}
    try:
        for repeat in range(repeats):
            for engine in ENGINES:
                with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
                    work = Path(tmp)
                    (work / "landing").mkdir()
                    env = _engine_env(engine, server, repeat)
                    hard_link_delivery(first, work / "landing")
                    full = run_worker("full_refresh", work, memory_limit, dbt_threads, env)
                    hard_link_delivery(second, work / "landing")
                    daily = run_worker("daily_refresh", work, memory_limit, dbt_threads, env)
                    measured[engine].append(stages(full, daily, None, 0.0))
                    print(
                        f"  {engine} at {accounts:,} accounts, repeat {repeat + 1}: full run "
                        f"{full['run_seconds']:.1f} s, daily {daily['run_seconds']:.1f} s",
                        flush=True,
                    )
    finally:
        server.stop()
    medians = {
        engine: {k: statistics.median(r[k] for r in runs) for k in SHOWN}
        for engine, runs in measured.items()
    }
    return {"accounts": accounts, "months": months, "repeats": repeats, "median": medians,
            "runs": measured}  # fmt: skip


def engine_table(engines: dict) -> str:
    """The markdown table of ``bench_engines``' result: a column per engine, its ratio to
    DuckDB beside it."""
    from benchmarks.report import ROWS, _cell

    labels = {key: (label, unit) for key, label, unit in ROWS}
    others = [e for e in ENGINES if e != "duckdb" and e in engines["median"]]
    head = "| stage | DuckDB | " + " | ".join(f"{e} | {e} / DuckDB" for e in others) + " |"
    lines = [head, "|---|---:|" + "---:|---:|" * len(others)]
    medians = engines["median"]
    for key in SHOWN:
        label, unit = labels[key]
        base = medians["duckdb"][key]
        cells = [_cell(base, unit)]
        for engine in others:
            value = medians[engine][key]
            cells += [_cell(value, unit), f"{value / base:.2f}x" if base else "n/a"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
