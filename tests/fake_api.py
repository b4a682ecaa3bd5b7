"""What the connectors' tests share around their fake vendor APIs: one fixture factory serving
a fake for the length of a test, and one extraction of a single source against it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.http_server import running
from upsell.connectors import run as connectors_run


def fake_fixture(make: Callable[[], Any], start: Callable[[Any], Any]):
    """A fixture yielding ``make()`` (the fake with its world loaded), served by ``start`` for
    the length of the test and stopped after it."""

    @pytest.fixture
    def fake():
        with running(make(), start) as served:
            yield served

    return fake


def extract_alone(source: str, env: dict[str, str], root: Path, now: datetime, **kw):
    """One extraction of ``source`` alone into ``root``'s landing zone and state: its part of
    the report."""
    [done] = connectors_run.extract(
        [source], env, root / "landing", root / "state", "EUR", now=now, **kw
    )
    return done
