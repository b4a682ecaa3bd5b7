"""The Python side's Spark session: configured exactly as dbt-spark's (the profile's
``server_side_parameters``, rendered with the same settings), and released before dbt runs.

The metastore is an embedded Derby database, which one process opens at a time: the session of
the pipeline's own process (raw copy, the model's reads and writes, the export) must be gone
before dbt starts its own. pyspark keeps its JVM for the life of the Python process, so
``release`` ends that JVM too. Each new JVM costs about 20 s: one session serves every step
between two dbt invocations.
"""

from __future__ import annotations

import os
import shutil
import warnings
from functools import cache
from pathlib import Path

import yaml

from upsell.errors import UpsellError

PROFILE = Path(__file__).resolve().parents[2] / "dbt_project" / "profiles.yml"
CONF_DIR = Path(__file__).resolve().parent / "spark_conf"  # log4j2.properties: errors only
# A raw table's timestamps are wall-clock times in UTC (the session's zone): read as Spark's
# TIMESTAMP, as dbt's models expect, not as TIMESTAMP_NTZ.
PYTHON_SIDE = {"spark.sql.parquet.inferTimestampNTZ.enabled": "false"}

_session = None
_conf: dict[str, str] = {}


@cache
def _profile_parameters() -> dict[str, str]:
    profile = yaml.safe_load(PROFILE.read_text())
    return profile["account_upsell"]["outputs"]["spark"]["server_side_parameters"]


def spark_conf(env: dict[str, str] | None = None) -> dict[str, str]:
    """The session settings dbt's profile gives for the settings in ``env`` (default: the
    process environment; the orchestration sets UPSELL_SPARK_* there, ``profile_env``)."""
    import jinja2

    env = os.environ if env is None else env
    jinja = jinja2.Environment(undefined=jinja2.StrictUndefined)

    def env_var(name: str, default: str | None = None) -> str:
        if name in env:
            return env[name]
        if default is None:
            raise UpsellError(f"the Spark profile needs {name}, which is not set")
        return default

    return {
        key: jinja.from_string(str(value)).render(env_var=env_var)
        for key, value in _profile_parameters().items()
    }


def jvm_env(master: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """What the JVM of a session (this process's or dbt's) needs besides the profile: the
    project's logging settings, unless the installation has a Spark conf folder of its own,
    and, in local mode, the loopback address (not the host's first interface)."""
    env = os.environ if env is None else env
    values = {} if "SPARK_CONF_DIR" in env else {"SPARK_CONF_DIR": str(CONF_DIR)}
    if master.startswith("local") and "SPARK_LOCAL_IP" not in env:
        values["SPARK_LOCAL_IP"] = "127.0.0.1"
    return values


def java_available() -> bool:
    home = os.environ.get("JAVA_HOME")
    return bool((home and (Path(home) / "bin" / "java").exists()) or shutil.which("java"))


def session(settings: dict[str, str] | None = None):
    """The process's session, started on first use with the UPSELL_SPARK_* ``settings``
    (over the process environment, which holds the PII salt)."""
    global _session, _conf
    conf = {**spark_conf({**os.environ, **(settings or {})}), **PYTHON_SIDE}
    if _session is not None and conf != _conf:
        release()  # another installation's warehouse, in the same process (tests)
    if _session is None:
        if not java_available():
            raise UpsellError("UPSELL_TARGET=spark needs Java 17 or newer on PATH or JAVA_HOME")
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas")
        from pyspark.sql import SparkSession

        os.environ.update(jvm_env(conf["spark.master"]))  # read when pyspark starts the JVM
        builder = SparkSession.builder.appName("account-upsell").enableHiveSupport()
        for key, value in conf.items():
            builder = builder.config(key, value)
        _session, _conf = builder.getOrCreate(), conf
        _session.sparkContext.setLogLevel("ERROR")
    return _session


def release() -> None:
    """Stop the session and end its JVM, so that dbt's own session can open the metastore."""
    global _session
    if _session is None:
        return
    from pyspark import SparkContext

    _session.stop()
    _session = None
    gateway = SparkContext._gateway
    if gateway is not None:
        gateway.shutdown()
        proc = getattr(gateway, "proc", None)
        if proc is not None:
            proc.stdin.close()  # the JVM exits when its stdin closes
            proc.wait(timeout=120)
        SparkContext._gateway = None
        SparkContext._jvm = None
