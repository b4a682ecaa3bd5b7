"""One fixture factory for the connectors' tests: a fake vendor API served around a test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.fakes.http_server import running


def fake_fixture(make: Callable[[], Any], start: Callable[[Any], Any]):
    """A fixture yielding ``make()`` (the fake with its world loaded), served by ``start`` for
    the length of the test and stopped after it."""

    @pytest.fixture
    def fake():
        with running(make(), start) as served:
            yield served

    return fake
