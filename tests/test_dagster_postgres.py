"""Dagster's own storage on PostgreSQL, configured with the dagster.yaml the README shows."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg

from tests.postgres_server import SUPERUSER

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_dagster_yaml() -> str:
    text = README.read_text()
    found = re.search(r"<!-- dagster\.yaml on PostgreSQL.*?-->\n```yaml\n(.*?)```", text, re.S)
    assert found, "the README's dagster.yaml for PostgreSQL"
    return found.group(1)


@dg.asset(pool="duckdb_warehouse")
def one() -> int:
    return 1


def test_runs_and_events_are_kept_in_postgres_with_the_readme_settings(
    pg_server, tmp_path, monkeypatch
):
    pg_server.psql("CREATE DATABASE upsell_dagster")
    for name, value in {"PGHOST": pg_server.host, "PGPORT": str(pg_server.port),
                        "PGUSER": SUPERUSER, "PGPASSWORD": pg_server.password,
                        "DAGSTER_PG_DB": "upsell_dagster"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    (tmp_path / "dagster.yaml").write_text(_readme_dagster_yaml())
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = dg.materialize([one], instance=instance)
        assert result.success
        assert instance.get_latest_materialization_event(one.key) is not None
    finally:
        instance.dispose()
    runs = pg_server.psql("SELECT count(*) FROM runs", database="upsell_dagster")
    assert runs == "1"
