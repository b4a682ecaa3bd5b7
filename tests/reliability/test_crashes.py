"""The pipeline killed (SIGKILL, as by the OOM killer or a power cut) while loading, while dbt
builds and while publishing: the next run completes, its tables equal a clean run's, nothing
left behind breaks anything, and the serving file is never torn."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from tests.reliability.conftest import copy_state
from tests.reliability.state import content, deliver
from upsell.ingest.loader import load_landing_zone
from upsell.warehouse import connect

ROOT = Path(__file__).resolve().parents[2]
LOAD_STAMPS = {"_loaded_at", "_run_id", "loaded_at", "run_id"}

# Loads the landing zone and dies (SIGKILL) when the n-th table of the load starts.
DIE_WHILE_LOADING = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from upsell import warehouse
    from upsell.ingest import loader
    real, calls = loader._load_table, [0]
    def dying(*args, **kwargs):
        calls[0] += 1
        if calls[0] == int(sys.argv[3]):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    loader._load_table = dying
    con = warehouse.connect(Path(sys.argv[1]))
    loader.load_landing_zone(con, Path(sys.argv[2]), "killed")
    """
)

# Publishes the warehouse's marts and dies at the named point of the publication.
DIE_WHILE_PUBLISHING = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from upsell import serving
    from upsell.warehouse import connect
    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)
    if sys.argv[3] == "before_rename":
        serving.os.replace = die
    elif sys.argv[3] == "while_writing":  # the new file is written, not yet checked
        serving._audit = die
    serving.publish(connect(Path(sys.argv[1])), Path(sys.argv[2]))
    """
)


def _child(script: str, *args) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", script, *map(str, args)], env=env).returncode


@pytest.mark.parametrize("die_at", [3, 20])  # inside the first delivery / inside the second
def test_killed_while_loading_the_next_load_equals_a_clean_one(clean_run, tmp_path, die_at):
    landing = tmp_path / "landing"
    for delivery in clean_run["deliveries"]:
        deliver(Path(delivery), tmp_path)
    warehouse = tmp_path / "warehouse.duckdb"
    assert _child(DIE_WHILE_LOADING, warehouse, landing, die_at) == -signal.SIGKILL
    assert list(tmp_path.glob(".warehouse.duckdb.ingest-*")), "the kill left its spill folder"

    con = connect(warehouse)  # replays or discards the WAL of the killed transaction
    load_landing_zone(con, landing, "after-the-kill")
    con.close()
    clean = tmp_path / "clean.duckdb"
    con = connect(clean)
    load_landing_zone(con, landing, "clean")
    con.close()
    got = content(warehouse, ("raw",), LOAD_STAMPS)
    assert got == content(clean, ("raw",), LOAD_STAMPS)
    assert got["raw._deliveries"][0] == 2
    assert not list(tmp_path.glob(".warehouse.duckdb.ingest-*"))


@pytest.mark.parametrize("die_at", ["while_writing", "before_rename"])
def test_killed_while_publishing_the_serving_file_is_never_torn(clean_run, tmp_path, die_at):
    root = copy_state(Path(clean_run["root"]), tmp_path / "state")
    serving = root / "serving.duckdb"
    before = serving.read_bytes()
    assert _child(DIE_WHILE_PUBLISHING, root / "warehouse.duckdb", serving, die_at) == -9
    assert serving.read_bytes() == before
    assert content(serving) == clean_run["serving"][-1]  # opens and reads whole
    assert list(root.glob(".serving.duckdb.*.tmp*")), "the kill left its half-written file"

    assert _child(DIE_WHILE_PUBLISHING, root / "warehouse.duckdb", serving, "never") == 0
    assert content(serving) == clean_run["serving"][-1]
    assert not list(root.glob(".serving.duckdb.*")), "the next publication cleaned up"


def test_killed_during_dbt_build_the_next_run_equals_a_clean_run(crashed_in_dbt, clean_run):
    root, outputs = Path(crashed_in_dbt["root"]), crashed_in_dbt["outputs"]
    assert "START sql" in outputs[0]  # it was killed while dbt was building models
    assert "had died; marked failed and its warehouse slot freed" in outputs[1]
    assert content(root / "warehouse.duckdb") == clean_run["hashes"][0]
    assert content(root / "serving.duckdb") == clean_run["serving"][0]
    leftovers = [p.name for p in root.glob(".*") if "tmp" in p.name or "ingest-" in p.name]
    assert leftovers == []
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    temp = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0]
    assert temp == 0
    con.close()
