"""Great Expectations suites for the raw tables: built from the contract, kept in git, run on
pandas frames read through DuckDB (GX's SQL data source cannot read DuckDB reliably).

The suite files never change from run to run: anything that depends on the data (the parent
keys of a foreign key) is computed into the validated frame (``orphan_column``). The freshness
of the deliveries is a check of its own (``upsell.quality.freshness``), not part of each suite.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from upsell.compat.great_expectations import disable_batch_hashing
from upsell.contract import TABLES, Table
from upsell.ingest.rules import META_COLUMNS
from upsell.warehouse import q, read_frame

SUITE_DIR = Path(__file__).resolve().parents[2] / "great_expectations" / "expectations"
MAX_ROWS = 1_000_000  # larger tables are validated on a repeatable sample of this many rows


def suite_name(table: str) -> str:
    return f"raw_{table}"


def _exp(kind: str, severity: str = "critical", **kwargs) -> dict:
    return {"type": kind, "kwargs": kwargs, "meta": {}, "severity": severity}


def build_suite(table: Table) -> dict:
    """The suite of one raw table, as the JSON dict GX reads."""
    exps = [
        _exp(
            "expect_table_columns_to_match_set",
            column_set=table.column_names
            + [name for name, _ in META_COLUMNS]
            + [orphan_column(c.name) for c in table.columns if c.references],
            exact_match=True,
        )
    ]
    exps += [_exp("expect_column_values_to_not_be_null", column=k) for k in table.key]
    if len(table.key) == 1:
        exps.append(_exp("expect_column_values_to_be_unique", column=table.key[0]))
    else:
        exps.append(_exp("expect_compound_columns_to_be_unique", column_list=list(table.key)))
    for col in table.columns:
        if not col.nullable and col.name not in table.key:
            exps.append(_exp("expect_column_values_to_not_be_null", column=col.name))
        if col.enum:
            exps.append(
                _exp("expect_column_values_to_be_in_set", column=col.name, value_set=list(col.enum))
            )
        if col.min is not None or col.max is not None:
            exps.append(
                _exp(
                    "expect_column_values_to_be_between",
                    column=col.name,
                    min_value=col.min,
                    max_value=col.max,
                    strict_min=col.type == "rate",
                )
            )
        if col.references:
            exps.append(_exp("expect_column_values_to_be_null", column=orphan_column(col.name)))
    return {"name": suite_name(table.name), "id": None, "expectations": exps, "meta": {
        "generated_from": "upsell/contract.py",
        "regenerate_with": "python -m upsell.quality.gx_suites",
    }}  # fmt: skip


def orphan_column(column: str) -> str:
    """A column added to the validated frame: the value of ``column`` when its parent row is
    missing, else null. GX re-serialises an expectation's parameters hundreds of times, so a
    set of 100,000 parent keys as a parameter cost minutes; the join is DuckDB's."""
    return f"{column}__orphan"


def all_suites() -> list[dict]:
    return [build_suite(table) for table in TABLES.values()]


def write_suites(folder: Path = SUITE_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for suite in all_suites():
        path = folder / f"{suite['name']}.json"
        path.write_text(json.dumps(suite, indent=2, sort_keys=True) + "\n")
        paths.append(path)
    return paths


def load_suite(name: str) -> dict:
    return json.loads((SUITE_DIR / f"{name}.json").read_text())


@dataclass
class SuiteResult:
    table: str
    rows: int
    validated_rows: int
    failed_errors: list[dict] = field(default_factory=list)
    failed_warnings: list[dict] = field(default_factory=list)
    evaluated: int = 0

    @property
    def passed(self) -> bool:
        return not self.failed_errors


_context = None
_context_lock = threading.Lock()


def warm_up() -> threading.Thread:
    """Import GX and set up its context in a background thread (about 6 s of imports) while
    the caller does other work, such as loading the deliveries these suites will check."""
    thread = threading.Thread(target=_gx_context, name="gx-warm-up", daemon=True)
    thread.start()
    return thread


def _gx_context():
    """One ephemeral GX context per process (its import and set-up take seconds)."""
    global _context
    with _context_lock:
        if _context is not None:
            return _context
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        from great_expectations.data_context.types.base import ProgressBarsConfig

        import great_expectations as gx

        disable_batch_hashing()
        _context = gx.get_context(mode="ephemeral")
        _context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = _context.data_sources.add_pandas("warehouse")
        _context.frame_batch = source.add_dataframe_asset(
            "frame"
        ).add_batch_definition_whole_dataframe("whole")
    return _context


def validate_table(con: duckdb.DuckDBPyConnection, table: str) -> SuiteResult:
    """Run the table's suite on the rows of ``raw.<table>`` that its latest load wrote (all of
    them at a first run) and summarise failures with sample values.

    Rows of earlier loads were validated by earlier runs and do not change unless a load
    rewrites them, which stamps them with its run; keys over the whole table are dbt's tests.
    """
    contract = TABLES[table]  # a name outside the contract never reaches SQL
    latest = f"_run_id = (SELECT arg_max(_run_id, _loaded_at) FROM raw.{table})"
    [(rows, new_rows)] = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {latest}) FROM raw.{table}"
    ).fetchall()  # all: DuckDB keeps a partly fetched result open on the connection
    # Bernoulli, not reservoir: 3 s instead of 30 s for 1 M of 25 M rows, and as repeatable.
    share = 100 * MAX_ROWS / max(new_rows, 1)
    sample = f" USING SAMPLE {share:.4f}% (bernoulli, 7)" if new_rows > MAX_ROWS else ""
    orphans = "".join(
        f", CASE WHEN {q(c.name)} IS NOT NULL AND {q(c.name)} NOT IN "
        f"(SELECT {q(c.references.split('.')[1])} FROM raw.{c.references.split('.')[0]}) "
        f"THEN {q(c.name)} END AS {q(orphan_column(c.name))}"
        for c in contract.columns
        if c.references
    )
    frame = read_frame(
        con, f"SELECT * FROM (SELECT *{orphans} FROM raw.{table} WHERE {latest}){sample}"
    )
    return validate_frame(frame, load_suite(suite_name(table)), {}, table, rows)


def validate_frame(
    frame, suite: dict, params: dict, name: str, rows: int | None = None
) -> SuiteResult:
    """Validate a pandas frame against a suite dict; summarise failures with sample values."""
    import great_expectations as gx

    context = _gx_context()
    batch = context.frame_batch.get_batch(batch_parameters={"dataframe": frame})
    outcome = batch.validate(
        gx.ExpectationSuite(**suite),
        expectation_parameters=params,
        result_format={"result_format": "SUMMARY"},
    )
    result = SuiteResult(
        name, len(frame) if rows is None else rows, len(frame), evaluated=len(outcome.results)
    )
    for r in outcome.results:
        if r.success:
            continue
        config = r.expectation_config
        failure = {
            "expectation": config.type,
            "column": config.kwargs.get("column") or config.kwargs.get("column_list"),
            "unexpected_count": r.result.get("unexpected_count"),
            "sample": [str(v) for v in (r.result.get("partial_unexpected_list") or [])[:5]],
            "observed": str(r.result.get("observed_value")),
        }
        severity = getattr(config.severity, "value", config.severity)
        target = result.failed_warnings if severity == "warning" else result.failed_errors
        target.append(failure)
    return result


if __name__ == "__main__":
    for p in write_suites():
        print(f"wrote {p}")
