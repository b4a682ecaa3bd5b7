"""The whole pipeline on Spark (local mode, a Derby metastore) gives DuckDB's marts, cell by
cell: the same full-then-daily runs of one landing zone as the PostgreSQL test, every
published table compared (tests/engine_runs.py). Then BI's way in: Spark's Thrift server
over the same metastore answers a JDBC client (beeline) with the marts' rows."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from tests.engine_runs import SALT, files_holding, full_then_daily, published_differences
from upsell.targets import spark_session

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(small_landing, tmp_path_factory, request) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("spark-engine")
    landing = root / "landing"
    shutil.copytree(small_landing[0], landing)
    # 4 dbt threads built the test landing zone about 15 % faster than 2 (Spark waits on its
    # planning and metastore as much as on the CPU)
    full_then_daily(landing, root, {"spark": {"UPSELL_TARGET": "spark", "UPSELL_DBT_THREADS": "4"}})
    return root, request.getfixturevalue("duckdb_reference")  # after: see the PostgreSQL test


def test_every_published_table_is_equal_on_spark_and_duckdb(runs):
    root, reference = runs
    assert published_differences(reference / "serving.duckdb",
                                 root / "spark" / "serving.duckdb") == []  # fmt: skip


def _spark(root: Path):
    return spark_session.session({"UPSELL_SPARK_WAREHOUSE": str(root / "spark-warehouse")})


def test_the_salted_pii_hash_is_the_same_on_spark(runs):
    query = "SELECT contact_id, contact_ref FROM staging.stg_crm__contacts ORDER BY contact_id"
    root, reference = runs
    con = duckdb.connect(str(reference / "warehouse.duckdb"), read_only=True)
    on_duckdb = con.execute(query).fetchall()
    con.close()
    try:
        on_spark = [tuple(row) for row in _spark(root / "spark").sql(query).collect()]
    finally:
        spark_session.release()
    assert len(on_duckdb) > 100
    assert on_spark == on_duckdb


def test_the_salt_is_in_no_file_a_spark_run_leaves(runs):
    """Not in dbt's compiled SQL, nor in the metastore (a view's stored text would hold a
    substituted session variable), nor in the run's logs."""
    from orchestration.dbt.project import DBT_DIR

    root, _ = runs
    for folder in (root / "spark", DBT_DIR / "target"):
        assert files_holding(folder, SALT) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, server: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the Thrift server exited"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(1)
    raise AssertionError(f"the Thrift server did not listen on {port} in {seconds} s")


def test_bi_tools_read_the_marts_through_spark_s_thrift_server(runs):
    import pyspark

    from upsell.targets.spark_thrift import command

    root, reference = runs
    warehouse = root / "spark" / "spark-warehouse"
    port = _free_port()
    env = {**os.environ, **spark_session.jvm_env("local[1]")}
    settings = {"UPSELL_SPARK_WAREHOUSE": str(warehouse), "UPSELL_SPARK_MASTER": "local[1]"}
    server = subprocess.Popen(command(settings, port), env=env, cwd=root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        _wait_for(port, server)
        beeline = Path(pyspark.__file__).parent / "bin" / "beeline"
        done = subprocess.run(
            [str(beeline), "-u", f"jdbc:hive2://127.0.0.1:{port}/marts", "--silent=true",
             "--outputformat=csv2", "-e",
             "SELECT month, mrr FROM marts.kpi_saas_monthly ORDER BY month"],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if re.match(r"\d{4}-\d\d-\d\d,", line)]
    con = duckdb.connect(str(reference / "serving.duckdb"), read_only=True)
    expected = con.execute("SELECT month, mrr FROM marts.kpi_saas_monthly ORDER BY 1").fetchall()
    con.close()
    assert [row.split(",")[0] for row in rows] == [str(month) for month, _ in expected]
    assert [float(row.split(",")[1]) for row in rows] == pytest.approx(
        [float(mrr) for _, mrr in expected], rel=1e-9
    )
