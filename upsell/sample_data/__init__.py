"""The built-in sample-data generator: a deterministic landing zone of realistic exports and
its ground truth (what `upsell generate` writes)."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

import duckdb
import numpy as np

from upsell.errors import UpsellError
from upsell.sample_data import deliveries, tables
from upsell.sample_data.inject import inject
from upsell.sample_data.simulate import Options, simulate

FORMATS = ("mixed", "csv", "parquet", "jsonl")


def generate(
    opts: Options,
    out: Path,
    truth_out: Path,
    fmt: str = "mixed",
    injections: tuple[str, ...] = (),
) -> dict:
    """Write the landing zone under ``out`` and the ground truth under ``truth_out``."""
    dates = _checked_dates(opts, out, truth_out, fmt)
    started = time.perf_counter()
    sim = simulate(opts)
    frames = tables.build(sim, opts.seed)
    out.mkdir(parents=True, exist_ok=True)
    truth_out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="upsell-gen-") as tmp:
        con = duckdb.connect()
        con.execute(f"SET temp_directory = '{tmp}'")
        con.execute("SET preserve_insertion_order = true")
        # Writing into a staging folder and renaming makes each delivery appear whole.
        staging = Path(tmp) / "landing"
        folders = deliveries.write_deliveries(
            con, frames, staging, opts.end_date, opts.deliveries, fmt, opts.seed
        )
        injected = [inject(kind, folders[-1]) for kind in injections]
        for folder in folders:
            if not (folder == folders[-1] and "no_success" in injections):
                deliveries.mark_complete(folder)
            shutil.move(folder, out / folder.name)
        _write_truth(con, sim, truth_out, injected)
        con.close()
    seconds = time.perf_counter() - started
    return {
        "deliveries": [d.isoformat() for d in dates],
        "accounts": opts.accounts,
        "seconds": round(seconds, 2),
        "injected": injected,
        "options": {k: str(v) for k, v in asdict(opts).items()},
    }


def _checked_dates(opts: Options, out: Path, truth_out: Path, fmt: str) -> list[date]:
    """The delivery dates to write, once the options are valid and none of them exists."""
    if opts.accounts < 1 or opts.months < 2 or opts.deliveries < 0:
        raise UpsellError("--accounts must be >= 1, --months >= 2 and --deliveries >= 0")
    if fmt not in FORMATS:
        raise UpsellError(f"--format must be one of {', '.join(FORMATS)}")
    if out.resolve() == truth_out.resolve() or truth_out.resolve().is_relative_to(out.resolve()):
        raise UpsellError("--truth-out must lie outside the landing zone (--out)")
    dates = deliveries.delivery_dates(opts.end_date, opts.deliveries)
    clash = [d for d in dates if (out / d.isoformat()).exists()]
    if clash:
        raise UpsellError(
            f"{out / clash[0].isoformat()} already exists; the generator never overwrites a "
            "delivery (remove it or choose another --out)"
        )
    return dates


def _write_truth(con, sim, truth_out: Path, injected: list[dict]) -> None:
    truth = sim.truth_expansion
    month_end = (sim.month_start_s[1:] - 1).astype("datetime64[s]").astype("datetime64[D]")
    con.register(
        "truth_frame",
        truth.assign(snapshot_date=month_end[truth.m.to_numpy()], p=np.round(truth.p, 6)),
    )
    con.execute(
        f"""COPY (SELECT printf('A%07d', acc + 1) AS account_id,
                         snapshot_date::DATE AS snapshot_date, p AS p_expand_90d
                  FROM truth_frame ORDER BY snapshot_date, acc)
            TO '{truth_out / "expansion_probability.parquet"}' (FORMAT parquet)"""
    )
    con.register("campaigns", sim.truth_campaigns)
    con.execute(
        f"""COPY (SELECT campaign_id, variant, true_conversion_rate, allocation_share
                  FROM campaigns ORDER BY campaign_id, variant)
            TO '{truth_out / "campaign_variants.parquet"}' (FORMAT parquet)"""
    )
    (truth_out / "injected.json").write_text(json.dumps(injected, indent=2) + "\n")
