"""The daily job as the command line runs it, with a short summary at the end."""

from __future__ import annotations

from orchestration.config import Settings
from orchestration.contract import SUCCESS_MARKER


def run_daily(settings: Settings) -> int:
    deliveries = sorted(p for p in settings.landing_dir.iterdir() if p.is_dir())
    complete = [p for p in deliveries if (p / SUCCESS_MARKER).exists()]
    print(
        f"landing zone {settings.landing_dir}: {len(deliveries)} deliveries, "
        f"{len(complete)} complete"
    )
    for folder in complete:
        files = sorted(p.name for p in folder.iterdir() if p.name != SUCCESS_MARKER)
        print(f"  {folder.name}: {len(files)} tables")
    return 0
