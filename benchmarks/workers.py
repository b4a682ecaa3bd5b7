"""The benchmark's runs, each in its own process: wall time and peak memory of a job of
``benchmarks.stages``, and the landing zone a run reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from upsell.config import folder_env

ROOT = Path(__file__).resolve().parents[1]
PAGE = os.sysconf("SC_PAGE_SIZE")


def run_worker(
    job: str, work: Path, memory_limit: str, dbt_threads: int, engine_env: dict | None = None
) -> dict:
    """One job in its own process; wall time and peak RSS of it and its children (dbt).
    ``engine_env``: the settings of another engine than DuckDB (UPSELL_TARGET and its own)."""
    env = {
        **os.environ,
        **folder_env(work),
        "PYTHONPATH": str(ROOT),
        "UPSELL_DUCKDB_MEMORY_LIMIT": memory_limit,
        "UPSELL_DBT_THREADS": str(dbt_threads),
        **(engine_env or {}),
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


def hard_link_delivery(delivery: Path, landing: Path) -> None:
    """The cached delivery in a run's landing zone without copying its files: hard links, since
    the loader refuses symbolic links that lead out of the landing zone."""
    target = landing / delivery.name
    target.mkdir()
    for path in delivery.iterdir():
        os.link(path, target / path.name)
