"""The benchmark's report: ``docs/benchmarks.json`` (every run, the machine and versions) and
``docs/BENCHMARKS.md`` rendered from it, the measured table between two markers; the prose
around them (what was slow, what changed) is kept as written."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

# the libraries whose versions the report names
PACKAGES = ["dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "great-expectations",
            "pandas", "scikit-learn"]  # fmt: skip
BEGIN, END = "<!-- measured: begin -->", "<!-- measured: end -->"
ENGINES_BEGIN, ENGINES_END = "<!-- engines: begin -->", "<!-- engines: end -->"

ROWS = [
    ("generate", "generate (landing zone with a second delivery)", "s"),
    ("ingest", "ingest (first full delivery)", "s"),
    ("raw_checks", "raw checks (Great Expectations)", "s"),
    ("dbt_build", "dbt build, as the Dagster steps take it", "s"),
    ("dbt_elapsed", "  of which dbt's own elapsed time", "s"),
    ("dbt_overhead", "  of which dbt start-up and Dagster events", "s"),
    ("direct_sql", "direct SQL: same models and data tests, one connection", "s"),
    ("direct_sql_models", "  of which models", "s"),
    ("direct_sql_tests", "  of which data tests", "s"),
    ("dbt_to_direct", "**ratio dbt build / direct SQL** (dbt's elapsed time)", "x"),
    ("dbt_step_to_direct", "ratio with dbt start-up and Dagster included", "x"),
    ("features", "features (the feature models + loading them)", "s"),
    ("train", "train and evaluate (model, baseline, champion)", "s"),
    ("score", "score (probabilities, reasons, offers)", "s"),
    ("scoring_rows_per_second", "scoring speed", "rows/s"),
    ("publish", "publish the serving file", "s"),
    ("full_run", "**full run** (Dagster run start to end)", "s"),
    ("full_process", "full run as a process (imports, definitions)", "s"),
    ("full_peak_rss_gib", "peak RSS of the full run (process tree, sampled)", "GiB"),
    ("daily_ingest", "daily run: ingest of one delivery", "s"),
    ("daily_raw_checks", "daily run: raw checks (rows of the latest load)", "s"),
    ("daily_dbt_build", "daily run: dbt build", "s"),
    ("daily_features_model", "  of which the feature models (incremental)", "s"),
    ("daily_score", "daily run: score (month-end delivery: a new snapshot)", "s"),
    ("daily_run", "**daily incremental run**", "s"),
    ("daily_share", "**daily run / full run**", "%"),
    ("daily_peak_rss_gib", "peak RSS of the daily run", "GiB"),
]


def _cell(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "%":
        return f"{value:.0%}"
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    if unit == "GiB":
        return f"{value:.2f} GiB"
    return f"{value:.1f} s"


def table(report: dict) -> str:
    scales = report["scales"]
    head = "| stage | " + " | ".join(f"{s['accounts']:,} accounts" for s in scales) + " |"
    lines = [head, "|---|" + "---:|" * len(scales)]
    lines.append("| input rows | " + " | ".join(f"{s['input_rows']:,}" for s in scales) + " |")
    threads = [str(s.get("dbt_threads", 2)) for s in scales]  # 2 before it was an option
    lines.append("| dbt threads (`UPSELL_DBT_THREADS`) | " + " | ".join(threads) + " |")
    for key, label, unit in ROWS:
        cells = [_cell(s["median"][key], unit) if key in s["median"] else "n/a" for s in scales]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "Model quality (first repeat; holdout = the last 3 monthly snapshots):", ""]
    lines.append("| | " + " | ".join(f"{s['accounts']:,} accounts" for s in scales) + " |")
    lines.append("|---|" + "---:|" * len(scales))
    quality = [
        ("roc_auc", "holdout ROC AUC (champion)", "{:.4f}"),
        ("oracle_roc_auc", "oracle ROC AUC (simulator's true probabilities)", "{:.4f}"),
        ("ratio_to_oracle", "ratio to the oracle", "{:.3f}"),
        ("top_decile_lift", "top-decile lift", "{:.2f}"),
        ("baseline_roc_auc", "logistic baseline ROC AUC", "{:.4f}"),
        ("seconds_fitting_model", "fitting the model (that run)", "{:.1f} s"),
        ("training_rows", "training rows", "{:,}"),
    ]
    for key, label, fmt in quality:
        cells = [fmt.format(s["model"][key]) if key in s["model"] else "n/a" for s in scales]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render(report: dict, existing: str = "") -> str:
    m = report["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    repeats = ", ".join(f"{s['accounts']:,}: {s['repeats']}" for s in report["scales"])
    body = (
        f"{BEGIN}\n"
        f"Measured {m['date']} on {m['cpus']} CPUs, {m['memory_gib']} GiB "
        f"({m['platform']}, Python {m['python']}); {versions}. DuckDB memory limit "
        f"{report['memory_limit']}. Medians of the repeats (accounts: repeats {repeats}); "
        f"every run is in `docs/benchmarks.json`.\n\n{table(report)}\n{END}"
    )
    page = _between(existing, BEGIN, END, body) if existing else f"# Benchmarks\n\n{body}\n"
    engines = report.get("engines")
    if engines:
        from benchmarks.engines import engine_table

        section = (
            f"{ENGINES_BEGIN}\nThe same stages on each engine at {engines['accounts']:,} "
            f"accounts x {engines['months']} months, full run then daily run; medians of "
            f"{engines['repeats']} repeats, each engine's ratio to DuckDB.\n\n"
            f"{engine_table(engines)}\n{ENGINES_END}"
        )
        page = _between(page, ENGINES_BEGIN, ENGINES_END, section)
    return page


def _between(page: str, begin: str, end: str, body: str) -> str:
    """``page`` with what lies between ``begin`` and ``end`` replaced by ``body`` (added at the
    end when the markers are not there yet)."""
    if begin in page and end in page:
        before, rest = page.split(begin, 1)
        return before + body + rest.split(end, 1)[1]
    return page.rstrip("\n") + f"\n\n{body}\n"


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


def kept_scales(out: Path, accounts: list[int]) -> list[dict]:
    """The scales of the report already in ``out`` that this run does not measure again."""
    path = out / "benchmarks.json"
    if not path.exists():
        return []
    return [s for s in json.loads(path.read_text())["scales"] if s["accounts"] not in accounts]


def kept_engines(out: Path) -> dict | None:
    """The engine comparison already in ``out``'s report, if any."""
    path = out / "benchmarks.json"
    return json.loads(path.read_text()).get("engines") if path.exists() else None


def write_report(
    out: Path, scales: list[dict], memory_limit: str, engines: dict | None = None
) -> None:
    """``benchmarks.json`` and the measured tables of ``BENCHMARKS.md`` in ``out``."""
    report = {"machine": machine(), "memory_limit": memory_limit, "scales": scales}
    if engines:
        report["engines"] = engines
    (out / "benchmarks.json").write_text(json.dumps(report, indent=2) + "\n")
    page = out / "BENCHMARKS.md"
    page.write_text(render(report, page.read_text() if page.exists() else ""))
