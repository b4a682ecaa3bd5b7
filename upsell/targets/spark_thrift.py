"""Spark's Thrift (JDBC/ODBC) server over the pipeline's metastore, for BI tools: the marts as
tables of schema ``marts`` (Tableau's and Power BI's Spark connectors, DBeaver, beeline).

    python -m upsell.targets.spark_thrift --port 10000

It runs with the session settings of dbt's profile (UPSELL_SPARK_*), bound to 127.0.0.1
unless told otherwise. The local metastore (Derby) opens in one process at a time: stop the
server before the pipeline runs, or give the installation a shared metastore.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from upsell.config import Settings
from upsell.targets.spark_session import PYTHON_SIDE, jvm_env, spark_conf

SERVER = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"


def command(settings: dict[str, str], port: int, host: str = "127.0.0.1") -> list[str]:
    """The spark-submit command line of the server (pyspark's own spark-submit)."""
    import pyspark

    submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    conf = {**spark_conf({**os.environ, **settings}), **PYTHON_SIDE}
    return [
        str(submit),
        "--class", SERVER,
        *(arg for key, value in conf.items() for arg in ("--conf", f"{key}={value}")),
        "spark-internal",
        "--hiveconf", f"hive.server2.thrift.port={port}",
        "--hiveconf", f"hive.server2.thrift.bind.host={host}",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=10000)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    settings = Settings.from_env({**os.environ, "UPSELL_TARGET": "spark"}, paths=())
    env = {**os.environ, **jvm_env(settings.spark_master)}
    argv = command(settings.spark_env(), args.port, args.host)
    os.execve(argv[0], argv, env)  # the server's process replaces this one
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
