"""What every landing-file reader shares: the one-line error, where a file is named in it,
the checks on its column names, and the spill's column names (by position, so that a file's
own names are data and cannot collide with the loader's ``_line``)."""

from __future__ import annotations

from pathlib import Path

from upsell.errors import UpsellError

LINE = "_line"


class LandingFileError(UpsellError):
    """A landing file that cannot be loaded; its whole delivery is rejected."""


def position(i: int) -> str:
    return f"_c{i}"


def where(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def not_utf8(raw: bytes, offset: int) -> str:
    line = raw[:offset].count(b"\n") + 1
    col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return (
        f"line {line}, byte {col}: not valid UTF-8 (byte 0x{raw[offset]:02x}); "
        "export the file as UTF-8"
    )


# Python's csv module, in words for the person fixing the export.


def check_names(path: Path, names: list[str]) -> None:
    """Every column has a name, and no name comes twice."""
    for i, name in enumerate(names, start=1):
        if not name.strip():
            raise LandingFileError(
                f"{where(path)} column {i}: the column has no name; name every column of the header"
            )
    seen = set()
    for i, name in enumerate(names, start=1):
        if name in seen:
            raise LandingFileError(
                f"{where(path)} column {i}: the column name {name!r} appears twice; "
                "send each column once"
            )
        seen.add(name)
