"""Shared fixtures: small generated landing zones, made once per test session."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import pytest

from upsell.sample_data import generate
from upsell.sample_data.simulate import Options

# Tests keep their files in the temp folder: allow it next to the working directory (this is
# read by the code under test and by the processes the tests start).
os.environ.setdefault("UPSELL_ALLOWED_ROOTS", os.pathsep.join([".", tempfile.gettempdir()]))

SMALL = Options(accounts=1500, months=12, seed=11, end_date=date(2026, 10, 31), deliveries=3)


def make_landing(root: Path, opts: Options = SMALL, **kw) -> tuple[Path, Path, dict]:
    landing, truth = root / "landing", root / "truth"
    report = generate(opts, landing, truth, **kw)
    return landing, truth, report


@pytest.fixture(scope="session")
def small_landing(tmp_path_factory) -> tuple[Path, Path, dict]:
    """1,500 accounts, 12 months, a full delivery and three daily ones (CSV + Parquet)."""
    return make_landing(tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="session")
def truth_landing(tmp_path_factory) -> tuple[Path, Path, dict]:
    """Enough accounts and months to compare the ground truth with what happened."""
    opts = Options(accounts=6000, months=24, seed=3)
    return make_landing(tmp_path_factory.mktemp("truth"), opts)


@pytest.fixture(scope="session")
def duckdb_reference(small_landing, tmp_path_factory) -> Path:
    """The DuckDB runs every engine's marts are compared with (tests/engine_runs.py): one for
    all workers of the session."""
    from tests.engine_runs import duckdb_reference
    from tests.once import shared

    built = shared(tmp_path_factory, "duckdb-reference",
                   lambda root: duckdb_reference(small_landing[0], root))  # fmt: skip
    return Path(built["runs"])


# The longest files, each several minutes on one worker (`make test` hands out whole files, in
# this order: --no-loadscope-reorder): handed out first, so that neither is left running alone
# at the end.
LONGEST_FIRST = ("test_spark_same_marts.py", "test_engines_same_marts.py")


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server of this test session (tests/postgres_server.py)."""
    from tests.postgres_server import start

    server = start()
    try:
        yield server
    finally:
        server.stop()
