"""Find the deliveries of a landing zone: dated folders, the contract files each holds, and
whether its exporter has finished writing it (``_SUCCESS``).

Everything in the landing zone is accounted for: a path is taken (a delivery, a contract
file), ignored with its reason (a warning: nothing the contract needs is missing), or refused
with its reason (what cannot be taken safely: the load stops before anything is written).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from upsell.contract import FORMATS, SUCCESS_MARKER, TABLES
from upsell.errors import UpsellError

DATE_NAME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits, no trailing newline
# A delivery is named by its exporter's local day. The earliest clock on Earth (UTC+14) is
# 14 hours ahead of UTC: a later day is in the future everywhere.
EARLIEST_CLOCK = timedelta(hours=14)
COMPRESSED = {"gz", "gzip", "tgz", "bz2", "xz", "lzma", "zst", "zstd", "zip", "7z", "lz4", "br"}
SHOWN = 5  # names listed in a message before "and N more"


@dataclass(frozen=True)
class Finding:
    """A path of the landing zone that is not taken, and why, in words."""

    path: Path
    why: str

    def where(self, root: Path) -> str:
        return self.path.relative_to(root).as_posix() if self.path.is_relative_to(root) else ""

    def __str__(self) -> str:
        return f"{self.path}: {self.why}"


@dataclass(frozen=True)
class Delivery:
    day: date
    path: Path
    complete: bool
    files: dict[str, Path] = field(default_factory=dict)
    ignored: tuple[Finding, ...] = ()  # its files not taken (a warning)
    refused: tuple[Finding, ...] = ()  # what stops it from being taken safely


@dataclass(frozen=True)
class Landing:
    root: Path
    deliveries: tuple[Delivery, ...]  # in date order, complete or not, refused or not
    ignored: tuple[Finding, ...]  # landing-zone entries not taken, incomplete deliveries
    refused_here: tuple[Finding, ...]  # its own entries refused: undatable folders, links out
    names: tuple[str, ...]  # what the landing zone holds, to say so when nothing is found

    @property
    def refused(self) -> tuple[Finding, ...]:
        """What a load refuses: an incomplete delivery is still being written, so what is
        wrong with it is said once its exporter marks it complete."""
        return self.refused_here + tuple(
            r for d in self.deliveries if d.complete for r in d.refused
        )


def find_deliveries(landing: Path, now: datetime | None = None) -> Landing:
    """Every entry of the landing zone, sorted into deliveries, ignored and refused paths."""
    if not landing.is_dir():
        raise UpsellError(f"landing directory {landing} does not exist")
    root = Path(os.path.realpath(landing))  # what links are checked against
    latest = latest_possible_day(now or datetime.now(UTC))
    deliveries, ignored, refused = [], [], []
    entries = sorted(landing.iterdir())
    for entry in entries:
        if outside := leaves(entry, root):
            refused.append(outside)
        elif not entry.is_dir():
            ignored.append(Finding(entry, "a file outside any delivery folder: not read"))
        elif (day := delivery_day(entry.name)) is None:
            (refused if (entry / SUCCESS_MARKER).exists() else ignored).append(
                undated_folder(entry)
            )
        else:
            delivery = read_delivery(entry, day, root, latest)
            deliveries.append(delivery)
            if not delivery.complete:
                ignored.append(Finding(entry, f"no {SUCCESS_MARKER} yet: loaded once it has one"))
    names = tuple(e.name for e in entries)
    return Landing(landing, tuple(deliveries), tuple(ignored), tuple(refused), names)


def latest_possible_day(now: datetime) -> date:
    """The latest day a delivery can be named by somewhere on Earth at ``now``."""
    return (now.astimezone(UTC) + EARLIEST_CLOCK).date()


def delivery_day(name: str) -> date | None:
    """The day a folder name gives, only in the strict YYYY-MM-DD form: a second spelling
    (20260301) would make one date two deliveries."""
    if not DATE_NAME.fullmatch(name):
        return None
    try:
        return date.fromisoformat(name)
    except ValueError:
        return None


def undated_folder(folder: Path) -> Finding:
    """Why a folder is not a delivery, and what its name should be if it is one."""
    try:
        other_spelling = date.fromisoformat(folder.name)
    except ValueError:
        other_spelling = None
    if other_spelling is not None:
        fix = f"if it is the delivery of {other_spelling}, rename it {other_spelling.isoformat()}"
    elif DATE_NAME.fullmatch(folder.name):
        fix = f"{folder.name} is not a valid date; rename it to the delivery's date"
    else:
        fix = "if it is a delivery, rename it to its date"
    if (folder / SUCCESS_MARKER).exists():
        return Finding(
            folder,
            f"holds {SUCCESS_MARKER} but its name is not a YYYY-MM-DD date, so the delivery "
            f"cannot be dated: {fix}",
        )
    return Finding(folder, f"not a delivery folder (name is not YYYY-MM-DD): not read; {fix}")


def leaves(path: Path, root: Path) -> Finding | None:
    """A refusal if ``path`` is a link leading out of the landing zone: what the landing zone
    holds comes from outside systems, and a link must not make it read other files."""
    if not path.is_symlink():
        return None
    target = Path(os.path.realpath(path))
    if target.is_relative_to(root):
        return None
    return Finding(
        path,
        f"is a link to {target}, outside the landing zone: copy the file into the landing "
        "zone instead of linking to it",
    )


def read_delivery(folder: Path, day: date, root: Path, latest: date) -> Delivery:
    """The contract files of one delivery folder, and what in it is ignored or refused."""
    files: dict[str, Path] = {}
    variants: dict[str, list[Path]] = {}
    ignored, refused = [], []
    if day > latest:
        refused.append(
            Finding(
                folder,
                f"is dated {day}, after today in every time zone (at most {latest}): check "
                "the folder name and the exporter's clock",
            )
        )
    for path in sorted(folder.iterdir()):
        if outside := leaves(path, root):
            refused.append(outside)
        elif path.name == SUCCESS_MARKER:
            continue
        elif (table := exact_table(path.name)) and path.is_file():
            if table in files:
                refused.append(
                    Finding(
                        path,
                        f"table {table} comes twice ({files[table].name} and {path.name}): "
                        "send one file per table",
                    )
                )
            else:
                files[table] = path
        elif table := table_like(path.name):
            variants.setdefault(table, []).append(path)
        else:
            ignored.append(Finding(path, "not a contract file: not read"))
    for table, paths in variants.items():
        if table in files:  # the table is there; the other file is a copy or a leftover
            ignored += [
                Finding(p, f"not read: {files[table].name} is the table's file") for p in paths
            ]
        else:
            refused += [Finding(p, why_not_taken(p, table)) for p in paths]
    complete = (folder / SUCCESS_MARKER).exists()
    return Delivery(day, folder, complete, files, tuple(ignored), tuple(refused))


def exact_table(name: str) -> str | None:
    """The contract table a file name is for, if it is exactly ``<table>.<format>``."""
    stem, _, ext = name.partition(".")
    return stem if stem in TABLES and ext in FORMATS else None


def table_like(name: str) -> str | None:
    """The contract table a name looks meant for (any case, any extension)."""
    stem = name.partition(".")[0].lower()
    return stem if stem in TABLES else None


def why_not_taken(path: Path, table: str) -> str:
    """Why a file meant for ``table`` cannot be read, and what to send instead."""
    missing, send = f"table {table} would be missing", file_choices(table)
    parts = path.name.lower().split(".")
    if path.is_symlink() and not path.exists():
        return f"is a broken link: {missing}; send the file itself"
    if path.is_dir():
        return f"is a folder: {missing}; send it as one file, {send}"
    if not path.is_file():
        return f"is not a regular file: {missing}; send it as one file, {send}"
    if parts[-1] in COMPRESSED:
        inner = ".".join(parts[:-1])
        to = inner if exact_table(inner) else send
        return (
            f"is compressed (.{parts[-1]}), which the loader does not read: decompress it to {to}"
        )
    if exact_table(path.name.lower()):
        return f"{missing}: file names are lower case; rename it {path.name.lower()}"
    return f"{missing}: it is not {send}; send it in one of those formats"


def file_choices(table: str) -> str:
    """``crm_accounts.csv, .parquet or .jsonl``: the names a table's file may have."""
    first, *others, last = [f"{table}.{FORMATS[0]}", *(f".{f}" for f in FORMATS[1:])]
    return f"{', '.join([first, *others])} or {last}"


def refusal_message(landing: Landing) -> str:
    """One line per path refused, with what to do; the load has written nothing."""
    return "\n".join(f"{r}; nothing was loaded" for r in landing.refused)


def nothing_to_load(landing: Landing) -> str:
    """What the landing zone holds, when it holds no complete delivery and nothing was ever
    loaded: most often the landing directory is set to the wrong folder."""
    root, names = landing.root, landing.names
    marker_or_files = [n for n in names if n == SUCCESS_MARKER or exact_table(n)]
    waiting = [d.path.name for d in landing.deliveries if not d.complete]
    nested = [n for n in names if holds_deliveries(root / n)]
    if marker_or_files:
        return (
            f"{root} holds {listed(names)} but no dated delivery folder: is it a delivery "
            "itself? point UPSELL_LANDING_DIR at its parent"
        )
    if waiting:
        return (
            f"{root} holds {listed(waiting)}, but no delivery is complete (none has "
            f"{SUCCESS_MARKER}): nothing to load; run again once the exporter has finished"
        )
    if nested:
        return (
            f"{root} holds no delivery folder, but {listed(nested)} holds dated delivery "
            f"folders: point UPSELL_LANDING_DIR at {root / nested[0]}"
        )
    if not names:
        return f"{root} is empty: no delivery folder (YYYY-MM-DD, with {SUCCESS_MARKER}) to load"
    return (
        f"{root} holds {listed(names)} but no delivery folder (named YYYY-MM-DD, with "
        f"{SUCCESS_MARKER}): point UPSELL_LANDING_DIR at the landing zone"
    )


def holds_deliveries(folder: Path) -> bool:
    return folder.is_dir() and any(delivery_day(p.name) for p in folder.iterdir() if p.is_dir())


def listed(names: list[str] | tuple[str, ...], sep: str = ", ") -> str:
    """``a, b and c`` (the first few, then how many more)."""
    names = list(names)
    if len(names) > SHOWN:
        return f"{sep.join(names[:SHOWN])} and {len(names) - SHOWN} more"
    return " and ".join([sep.join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
