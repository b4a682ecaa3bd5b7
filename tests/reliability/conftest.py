"""One clean pipeline history shared by the reliability tests that need a real run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.once import shared
from tests.reliability.state import DBT_SECRET, SALT, content, deliver, generated, run
from upsell.config import folder_env

ROOT = Path(__file__).resolve().parents[2]
os.environ["UPSELL_PII_SALT"] = SALT  # every run of these tests hashes with this salt

# A BI tool: opens the serving file read-only again and again while a run replaces it; every
# time, each table must hold the rows meta.published_tables says (never a half-published file).
READER = textwrap.dedent(
    """
    import os, sys, time, duckdb
    path, stop = sys.argv[1], sys.argv[2]
    reads, failures, seen = 0, [], set()
    print("ready", flush=True)
    deadline = time.time() + 900
    while not os.path.exists(stop) and time.time() < deadline:
        try:
            con = duckdb.connect(path, read_only=True)
            seen.add(str(con.execute("SELECT published_at FROM meta.publication").fetchone()[0]))
            listed = con.execute("SELECT table_name, row_count FROM meta.published_tables")
            for name, rows in listed.fetchall():
                got = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
                if got != rows:
                    failures.append(f"{name}: {got} rows, published {rows}")
            con.close()
            reads += 1
        except Exception as exc:
            failures.append(repr(exc))
        time.sleep(0.02)
    print("reads", reads, "publications", len(seen), "failures", failures[:5], flush=True)
    """
)


def copy_state(source: Path, target: Path) -> Path:
    """A copy of a pipeline folder (landing zone, warehouse, models, serving file)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("generated", "truth"))
    return target


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory):
    return shared(tmp_path_factory, "clean-run", _clean_run)


def _clean_run(root: Path) -> dict:
    """Both deliveries, run three times (the first run trains; the delivery already loaded is
    delivered again before the third), while a BI-style reader polls the serving file."""
    first, second = generated(root)
    deliver(first, root)
    deliver(second, root)
    success, hashes, serving = [], [], []
    success.append(run(root, "full_refresh").success)
    hashes.append(content(root / "warehouse.duckdb"))
    serving.append(content(root / "serving.duckdb"))
    stop = root / "stop-reading"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(root / "serving.duckdb"), str(stop)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert reader.stdout.readline().strip() == "ready"
    for again in range(2):
        if again == 1:  # the same delivery again: same files, new modification times
            shutil.rmtree(root / "landing" / second.name)
            deliver(second, root)
        success.append(run(root, "daily_refresh").success)
        hashes.append(content(root / "warehouse.duckdb"))
        serving.append(content(root / "serving.duckdb"))
    stop.write_text("")
    out, err = reader.communicate(timeout=120)
    return {
        "root": str(root),
        "deliveries": [str(first), str(second)],
        "success": success,
        "hashes": hashes,
        "serving": serving,
        "reader": [reader.returncode, out, err],
    }


@pytest.fixture(scope="session")
def crashed_in_dbt(clean_run, tmp_path_factory):
    return shared(tmp_path_factory, "crashed-in-dbt", lambda root: _crashed_in_dbt(root, clean_run))


def _crashed_in_dbt(root: Path, clean_run: dict) -> dict:
    """`upsell run` killed with its process group while dbt builds the marts, then run
    again to the end; with secrets in its environment."""
    started = time.time()
    for delivery in clean_run["deliveries"]:
        deliver(Path(delivery), root)
    env = {
        **os.environ,
        **folder_env(root),
        "PYTHONPATH": str(ROOT),
        "DBT_ENV_SECRET_TOKEN": DBT_SECRET,
    }
    command = [sys.executable, "-m", "upsell.cli", "run"]
    killed = subprocess.Popen(
        [*command, "--verbose"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    lines = []
    for line in killed.stdout:
        lines.append(line)
        if "START sql table model marts." in line:
            os.killpg(killed.pid, signal.SIGKILL)
            break
    lines.append(killed.stdout.read())
    killed.wait()
    assert killed.returncode == -signal.SIGKILL, "".join(lines)[-3000:]
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    return {"root": str(root), "outputs": ["".join(lines), again.stdout + again.stderr],
            "started": started}  # fmt: skip
