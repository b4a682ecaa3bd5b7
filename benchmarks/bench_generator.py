"""Time the sample-data generator: ``python -m benchmarks.bench_generator --accounts 100000``.

Prints the median wall time of a few runs and rows written per second; asserts nothing (the
machine is shared and noisy, so performance is reported, not tested).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.common import report, scale_args
from orchestration.sample_data import generate
from orchestration.sample_data.simulate import Options


def main() -> None:
    args = scale_args(__doc__)
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
    print(report("generator", args.accounts, args.months, times, rows))


if __name__ == "__main__":
    main()
