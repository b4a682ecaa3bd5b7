"""Spark as the target, through one local session: the raw copy (Parquet files, then the
tables' locations), reading back with the other engines' types, replacing the scores, the
export's column order, and the settings the session and dbt's profile share."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from tests.engine_runs import raw_sample
from upsell.config import Settings
from upsell.errors import UpsellError
from upsell.targets import spark_session
from upsell.targets.engine import as_plain_types
from upsell.targets.spark import RAW_FILES, SparkTarget, plain_arrow

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("spark") / "spark-warehouse"


@pytest.fixture(scope="module")
def target(warehouse):
    settings = {"UPSELL_SPARK_WAREHOUSE": str(warehouse), "UPSELL_SPARK_MASTER": "local[1]",
                "UPSELL_SPARK_SHUFFLE_PARTITIONS": "1"}  # fmt: skip
    yield SparkTarget(spark_session.session(settings), warehouse)
    spark_session.release()


def _warehouse() -> duckdb.DuckDBPyConnection:
    source = raw_sample()
    source.execute(
        "CREATE TABLE raw._deliveries AS SELECT DATE '2026-10-31' AS delivery_date, "
        "'abc' AS fingerprint"
    )
    return source


def _folders(warehouse: Path, table: str) -> list[Path]:
    return sorted((warehouse / RAW_FILES / "raw" / table).iterdir())


def test_raw_tables_reach_spark_whole_with_their_types(target, warehouse):
    source = _warehouse()
    copied = target.copy_tables(source, [("raw", "t"), ("raw", "_deliveries")])
    assert copied == {"raw.t": 1000, "raw._deliveries": 1}
    kinds = [(f.name, f.dataType.simpleString()) for f in target.spark.table("raw.t").schema]
    assert kinds == [("id", "bigint"), ("amount", "decimal(18,4)"), ("day", "date"),
                     ("even", "boolean"), ("name", "string"), ("nothing", "double"),
                     ("at", "timestamp")]  # fmt: skip
    back = target.read_arrow("SELECT * FROM raw.t ORDER BY id")
    expected = as_plain_types(source.sql("SELECT * FROM raw.t ORDER BY id").to_arrow_table())
    assert back.equals(expected)  # 23:30 stays 23:30: wall-clock UTC, no zone shift
    assert target.delivered() == {date(2026, 10, 31): "abc"}


def test_a_copy_moves_the_location_and_keeps_one_folder_before(target, warehouse):
    source = _warehouse()
    for keep in (900, 800, 700):
        source.execute(f"DELETE FROM raw.t WHERE id >= {keep}")
        target.copy_tables(source, [("raw", "t")])
        assert target.scalar("SELECT count(*) FROM raw.t") == keep
    assert len(_folders(warehouse, "t")) == 2


def test_a_table_whose_columns_changed_is_made_anew(target, warehouse):
    source = _warehouse()
    source.execute("ALTER TABLE raw.t ADD COLUMN plan VARCHAR DEFAULT 'pro'")
    target.copy_tables(source, [("raw", "t")])
    assert target.read_arrow("SELECT DISTINCT plan FROM raw.t").column(0).to_pylist() == ["pro"]


def test_a_copy_that_fails_leaves_every_table_as_it_was(target, warehouse):
    source = _warehouse()
    target.copy_tables(source, [("raw", "t")])
    before = _folders(warehouse, "t")
    source.execute("DELETE FROM raw.t WHERE id < 500")
    with pytest.raises(duckdb.CatalogException, match="missing"):
        target.copy_tables(source, [("raw", "t"), ("raw", "missing")])
    assert target.scalar("SELECT count(*) FROM raw.t") == 1000
    assert _folders(warehouse, "t") == before  # the new file went with the failed copy


def test_scores_are_replaced_whole(target):
    target.spark.sql("CREATE DATABASE IF NOT EXISTS ml")
    target.spark.sql(
        "CREATE TABLE IF NOT EXISTS ml.scores_test (account_id string, probability double)"
    )
    for n in (3, 2):
        data = pa.table({"probability": [0.1 * i for i in range(n)],
                         "account_id": [f"A{i}" for i in range(n)]})  # fmt: skip
        target.replace_rows("ml", "scores_test", data, "")
    back = target.read_arrow("SELECT account_id, probability FROM ml.scores_test ORDER BY 1")
    assert back.to_pylist() == [{"account_id": "A0", "probability": 0.0},
                                {"account_id": "A1", "probability": 0.1}]  # fmt: skip


def test_the_sample_is_postgresql_s(target):
    """The same accounts as PostgreSQL's sample: the first 28 bits of the md5, modulo 10,000."""
    import hashlib

    value = int(hashlib.md5(b"A0000001").hexdigest()[:7], 16) % 10000
    column = "'A0000001'"
    assert target.scalar(f"SELECT {target.sample(column, value + 1)}") is True
    assert target.scalar(f"SELECT {target.sample(column, value)}") is False


def test_zoned_timestamps_become_wall_clock_utc():
    zoned = pa.array([0], pa.timestamp("us", "UTC"))
    plain = plain_arrow(pa.table({"at": zoned}))
    assert plain.schema.field("at").type == pa.timestamp("us")
    assert plain.column(0)[0].as_py().isoformat() == "1970-01-01T00:00:00"


def test_the_session_has_the_settings_of_dbt_s_profile(tmp_path):
    conf = spark_session.spark_conf({"UPSELL_SPARK_WAREHOUSE": str(tmp_path),
                                     "UPSELL_SPARK_MASTER": "local[4]",
                                     "UPSELL_PII_SALT": "salt-9f3e"})  # fmt: skip
    assert conf["spark.master"] == "local[4]"
    assert conf["spark.sql.warehouse.dir"] == str(tmp_path)
    assert conf["spark.hadoop.javax.jdo.option.ConnectionURL"].startswith(
        f"jdbc:derby:;databaseName={tmp_path}/metastore_db"
    )
    assert conf["spark.sql.session.timeZone"] == "UTC"
    # settings go to the JVM's command line, which every user of the machine can list
    assert not [key for key, value in conf.items() if "salt-9f3e" in value]


def test_an_installation_s_own_spark_conf_folder_is_kept():
    assert spark_session.jvm_env("local[2]", {}) == {
        "SPARK_CONF_DIR": str(spark_session.CONF_DIR),
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    assert spark_session.jvm_env("spark://h:7077", {"SPARK_CONF_DIR": "/etc/spark"}) == {}


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("UPSELL_SPARK_MASTER", "local[two]", "is not a Spark master URL"),
        ("UPSELL_SPARK_MASTER", "spark://h:7077'; drop", "is not a Spark master URL"),
        ("UPSELL_SPARK_SHUFFLE_PARTITIONS", "0", "whole number of partitions"),
        ("UPSELL_SPARK_WAREHOUSE", "/tmp/a*b", "contains a glob"),
    ],
)
def test_bad_spark_settings_are_refused_in_words(name, value, said):
    with pytest.raises(UpsellError, match=said):
        Settings.from_env({"UPSELL_TARGET": "spark", name: value}, paths=())


def test_spark_settings_reach_the_installation(tmp_path):
    settings = Settings.from_env({"UPSELL_TARGET": "spark", "UPSELL_SPARK_MASTER": "local[*]",
                                  "UPSELL_SPARK_WAREHOUSE": str(tmp_path / "w"),
                                  "UPSELL_ALLOWED_ROOTS": str(tmp_path)}, paths=())  # fmt: skip
    assert settings.spark_env() == {"UPSELL_SPARK_MASTER": "local[*]",
                                    "UPSELL_SPARK_SHUFFLE_PARTITIONS": "8",
                                    "UPSELL_SPARK_WAREHOUSE": str(tmp_path / "w")}  # fmt: skip
