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
def pg_server():
    """A PostgreSQL server of this test session (tests/postgres_server.py)."""
    from tests.postgres_server import start

    server = start()
    try:
        yield server
    finally:
        server.stop()
