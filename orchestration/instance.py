"""The Dagster instance `upsell` runs on: ``DAGSTER_HOME`` and the settings written there on
first use, shared by `upsell run`, `upsell train` and `upsell ui` (so their runs show in the UI).
Loads no definitions: quick to import."""

from __future__ import annotations

import json
import os
from pathlib import Path

from upsell.config import Settings

INSTANCE_SETTINGS = """# Written by `upsell` on first use.
# A pipeline on a company's own data sends no usage statistics unless told to.
telemetry:
  enabled: false
# One writer at a time on the warehouse (the pool of every asset that writes it).
concurrency:
  pools:
    default_limit: 1
# Dagster's SQLite event log in its default folder, with connections kept open between events
# (upsell/compat/dagster_event_log.py: about 10 s less per daily run).
event_log_storage:
  module: upsell.compat.dagster_event_log
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {runs}
"""


def dagster_home(settings: Settings | None = None) -> Path:
    """$DAGSTER_HOME, or a folder beside the warehouse: runs persist and show in `make dev`.
    Its ``dagster.yaml`` is written when missing, never changed."""
    env = os.environ.get("DAGSTER_HOME")
    home = Path(env) if env else (settings or Settings.from_env()).warehouse.parent / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        runs = (home / "history" / "runs").resolve()  # where Dagster keeps them by default
        (home / "dagster.yaml").write_text(INSTANCE_SETTINGS.format(runs=json.dumps(str(runs))))
    os.environ["DAGSTER_HOME"] = str(home)
    return home
