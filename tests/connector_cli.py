"""``upsell extract`` as a user runs it: a subprocess with the given environment, writing
into a landing zone and a state folder under a test's folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def extract_command(source: str, settings: dict[str, str], root: Path):
    env = {**os.environ, **settings}
    env |= {"UPSELL_LANDING_DIR": str(root / "l"), "UPSELL_CONNECTOR_STATE_DIR": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "upsell.cli", "extract", source],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
