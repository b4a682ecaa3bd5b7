"""Time loading a generated landing zone into a fresh warehouse:
``python -m benchmarks.bench_ingest --accounts 100000``.

The landing zone is generated once per scale and cached under ``data/bench/``. Prints the
median load time, rows per second and peak memory of the loads; asserts nothing.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.common import report, scale_args
from orchestration.ingest.loader import connect, load_landing_zone
from orchestration.sample_data import generate
from orchestration.sample_data.simulate import Options

CACHE = Path("data/bench").resolve()  # absolute: dbt changes the working directory


def landing_for(accounts: int, months: int) -> Path:
    root = CACHE / f"{accounts}x{months}"
    if not (root / "landing").exists():
        generate(Options(accounts=accounts, months=months), root / "landing", root / "truth")
    return root / "landing"


def main() -> None:
    args = scale_args(__doc__)
    landing = landing_for(args.accounts, args.months)
    times, rows = [], 0
    for i in range(args.repeats):
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            con = connect(Path(tmp) / "warehouse.duckdb")
            started = time.perf_counter()
            loaded = load_landing_zone(con, landing, f"bench-{i}")
            times.append(time.perf_counter() - started)
            con.close()
            rows = sum(t.input_records for _, t in loaded.tables)
    print(report("ingest", args.accounts, args.months, times, rows))


if __name__ == "__main__":
    main()
