"""Find the deliveries of a landing zone: dated folders, the contract files each holds, and
whether its exporter has finished writing it (``_SUCCESS``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration.contract import FORMATS, SUCCESS_MARKER, TABLES
from orchestration.errors import UpsellError
from orchestration.ingest.files import LandingFileError


@dataclass(frozen=True)
class Delivery:
    day: date
    path: Path
    complete: bool
    files: dict[str, Path] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()


def find_deliveries(landing: Path) -> list[Delivery]:
    """Delivery folders (named by ISO date) in date order, complete or not."""
    if not landing.is_dir():
        raise UpsellError(f"landing directory {landing} does not exist")
    found = []
    for folder in sorted(p for p in landing.iterdir() if p.is_dir()):
        try:
            day = date.fromisoformat(folder.name)
        except ValueError:
            continue  # not a delivery (e.g. a README folder); never touched
        files: dict[str, Path] = {}
        ignored = []
        for path in sorted(folder.iterdir()):
            stem, _, ext = path.name.partition(".")
            if path.name == SUCCESS_MARKER:
                continue
            if stem in TABLES and ext in FORMATS:
                if stem in files:
                    raise LandingFileError(
                        f"{folder.name}: table {stem} comes twice ({files[stem].name} and "
                        f"{path.name}); send one file per table"
                    )
                files[stem] = path
            else:
                ignored.append(path.name)
        complete = (folder / SUCCESS_MARKER).exists()
        found.append(Delivery(day, folder, complete, files, tuple(ignored)))
    return found
