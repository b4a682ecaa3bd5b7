"""What every benchmark script shares: the scale options and how a result is printed."""

from __future__ import annotations

import argparse
import resource
import statistics


def scale_args(doc: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=3)
    return parser.parse_args()


def report(stage: str, accounts: int, months: int, times: list[float], rows: int) -> str:
    median = statistics.median(times)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    return (
        f"{stage}: {accounts:,} accounts x {months} months, {rows:,} rows; median "
        f"{median:.1f} s of {len(times)} runs (min {min(times):.1f}, max {max(times):.1f}); "
        f"{rows / median:,.0f} rows/s; peak RSS of this process {peak:.1f} GiB"
    )
