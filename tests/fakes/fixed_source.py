"""A source that fetches nothing: its rows are given in the environment
(``FIXED_<SOURCE>_ROWS``, JSON of table -> rows; ``FIXED_<SOURCE>_FAIL`` makes it fail), so
that the run's own part (one delivery, cursors, resuming) is tested alone."""

from __future__ import annotations

import json

from upsell.connectors.common import Prepared
from upsell.errors import UpsellError


def prepare(env, state, fallback_currency, now, full):
    source = state.folder.name
    if env.get(f"FIXED_{source.upper()}_FAIL"):
        raise UpsellError(f"{source} is down")
    committed = state.committed()
    plan, resumed = state.resume_or_start(full, lambda: {"mode": "full", "until": now.isoformat()})
    rows = json.loads(env.get(f"FIXED_{source.upper()}_ROWS", "{}"))
    runs = committed.get("runs", 0) + 1
    return Prepared(
        source, plan["mode"], rows, [], {"cursor": plan["until"], "runs": runs}, resumed
    )
