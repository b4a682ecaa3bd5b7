"""The publication step on its own: a complete, checkpointed, DuckDB-1.5-format file that
replaces the old one atomically, or nothing at all."""

from __future__ import annotations

import duckdb
import pytest

from upsell import serving
from upsell.errors import UpsellError


@pytest.fixture
def warehouse(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA ml; CREATE SCHEMA raw")
    con.execute("CREATE TABLE marts.kpi AS SELECT range AS month FROM range(12)")
    con.execute("CREATE TABLE ml.propensity_scores AS SELECT 'A1' AS account_id, 0.4 AS p")
    con.execute("CREATE TABLE ml.scratch AS SELECT 1 AS x")
    con.execute("CREATE TABLE raw.secret AS SELECT 'alice@example.com' AS email")
    yield con
    con.close()


def test_publishes_marts_and_scores_only_in_the_old_storage_format(tmp_path, warehouse):
    target = tmp_path / "serving.duckdb"
    counts = serving.publish(warehouse, target)
    assert counts == {"marts.kpi": 12, "ml.propensity_scores": 1}
    assert sorted(p.name for p in tmp_path.glob("*serving*")) == ["serving.duckdb"]  # no leftovers
    warehouse.execute(f"ATTACH '{target}' AS check_copy (READ_ONLY)")
    tags = warehouse.execute(
        "SELECT tags FROM duckdb_databases() WHERE database_name = 'check_copy'"
    ).fetchone()[0]
    assert tags["storage_version"].startswith(serving.STORAGE_VERSION)
    tables = warehouse.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
        "WHERE database_name = 'check_copy' ORDER BY 1"
    ).fetchall()
    names = [t[0] for t in tables]
    assert names == [
        "marts.kpi",
        "meta.publication",
        "meta.published_tables",
        "ml.propensity_scores",
    ]
    warehouse.execute("DETACH check_copy")


def test_a_failed_audit_keeps_the_previous_file(tmp_path, warehouse, monkeypatch):
    target = tmp_path / "serving.duckdb"
    serving.publish(warehouse, target)
    before = target.read_bytes()
    warehouse.execute("INSERT INTO marts.kpi VALUES (99)")

    def broken(path, expected):
        raise UpsellError("publication audit: marts.kpi has 0 rows, expected 13")

    monkeypatch.setattr(serving, "_audit", broken)
    with pytest.raises(UpsellError, match="publication audit"):
        serving.publish(warehouse, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.glob("*serving*")) == ["serving.duckdb"]  # no leftovers


def test_nothing_to_publish_is_an_error(tmp_path):
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    with pytest.raises(UpsellError, match="no marts yet"):
        serving.publish(con, tmp_path / "serving.duckdb")
