"""Time the sample-data generator: ``python benchmarks/bench_generator.py --accounts 100000``.

Prints the median wall time of a few runs and rows written per second; asserts nothing (the
machine is shared and noisy, so performance is reported, not tested).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration.sample_data import generate
from orchestration.sample_data.simulate import Options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    times, rows = [], 0
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            opts = Options(accounts=args.accounts, months=args.months)
            started = time.perf_counter()
            generate(opts, Path(tmp) / "landing", Path(tmp) / "truth")
            times.append(time.perf_counter() - started)
            con = duckdb.connect()
            rows = 0
            for f in sorted((Path(tmp) / "landing").glob("*/*.*")):
                if f.suffix == ".csv":
                    rows += sum(1 for _ in f.open("rb")) - 1
                elif f.suffix == ".parquet":
                    rows += con.execute(f"SELECT count(*) FROM '{f}'").fetchone()[0]
    median = statistics.median(times)
    print(
        f"generator: {args.accounts:,} accounts x {args.months} months, {rows:,} rows; "
        f"median {median:.1f} s of {args.repeats} runs "
        f"(min {min(times):.1f}, max {max(times):.1f}); {rows / median:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
