"""The pipeline run of the connectors' end-to-end tests: ingest, raw checks and dbt build on
what the extractions delivered, and the checks every such run must pass before its marts'
figures are compared with those worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.dbt.runs import dbt_resource
from orchestration.defs.ingest import landing_zone_ingest
from orchestration.defs.raw_checks import fx_coverage, raw_suites
from orchestration.defs.transform import dbt_models
from orchestration.resources import Installation


@contextmanager
def pipeline_run(
    installation: Installation,
) -> Iterator[tuple[dg.ExecuteInJobResult, duckdb.DuckDBPyConnection]]:
    """The run's result and a read-only connection to its warehouse."""
    result = dg.materialize(
        [landing_zone_ingest, raw_suites, fx_coverage, dbt_models],
        resources={"installation": installation, "dbt": dbt_resource()},
        raise_on_error=False,
    )
    con = duckdb.connect(installation.path, read_only=True)
    try:
        yield result, con
    finally:
        con.close()


def local_installation(root: Path) -> Installation:
    """The warehouse and the landing zone of an extraction test under ``root``."""
    return Installation(path=str(root / "warehouse.duckdb"), landing_dir=str(root / "landing"))


def assert_clean_run(result, con) -> None:
    """The run succeeded, no check failed but the freshness one (the fixtures lie in the
    past), and no row was quarantined."""
    assert result.success
    failed = [c.check_name for c in result.get_asset_check_evaluations() if not c.passed]
    assert failed in (["latest_delivery_is_fresh"], [])
    quarantined = con.execute("SELECT sum(quarantined_rows) FROM raw._load_manifest").fetchone()[0]
    assert quarantined == 0
