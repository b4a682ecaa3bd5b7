"""Opt-in bad input, one kind at a time, written into a delivery the way broken exports look.

Each kind edits one CSV file of the delivery (never more than ``ROWS`` rows, well under the
loader's default 5 % threshold) and returns what it did, so tests know what to expect.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from upsell.contract import SUCCESS_MARKER
from upsell.errors import UpsellError

ROWS = 3


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]], **kw) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=kw.pop("lineterminator", "\n")).writerows([header, *rows])
    path.write_bytes(kw.pop("prefix", b"") + buf.getvalue().encode(kw.pop("encoding", "utf-8")))


def _lines(n_rows: int) -> list[int]:
    """Spread-out data rows (0-based) to break: early, middle and late in the file."""
    k = min(ROWS, n_rows)
    return [i * n_rows // k for i in range(k)]


def _edit_cells(column: str, value: Callable[[str], str]) -> Callable[[Path], dict]:
    def edit(path: Path) -> dict:
        header, rows = _read(path)
        col = header.index(column)
        picks = _lines(len(rows))
        for i in picks:
            rows[i][col] = value(rows[i][col])
        _write(path, header, rows)
        return {"column": column, "lines": [i + 2 for i in picks]}

    return edit


def _duplicate_key(path: Path) -> dict:
    header, rows = _read(path)
    picks = _lines(len(rows))
    col = header.index("employee_count")
    dupes = [[*rows[i][:col], str(int(rows[i][col]) + 7), *rows[i][col + 1 :]] for i in picks]
    _write(path, header, rows + dupes)
    return {"column": header[0], "lines": [len(rows) + 2 + k for k in range(len(dupes))]}


def _drop_column(column: str, rename_to: str | None = None) -> Callable[[Path], dict]:
    def edit(path: Path) -> dict:
        header, rows = _read(path)
        col = header.index(column)
        if rename_to:
            header[col] = rename_to
        else:
            header.pop(col)
            rows = [r[:col] + r[col + 1 :] for r in rows]
        _write(path, header, rows)
        return {"column": column}

    return edit


def _extra_column(path: Path) -> dict:
    header, rows = _read(path)
    _write(
        path, [*header, "region"], [[*r, "emea" if i % 2 else "amer"] for i, r in enumerate(rows)]
    )
    return {"column": "region"}


def _unterminated_quote(path: Path) -> dict:
    _header, rows = _read(path)
    picks = _lines(len(rows))
    line = picks[len(picks) // 2]
    text = path.read_text(encoding="utf-8").split("\n")
    cells = text[line + 1].split(",")
    cells[-3] = '"' + cells[-3]  # opens a quote in job_title that never closes
    text[line + 1] = ",".join(cells)
    path.write_text("\n".join(text), encoding="utf-8")
    return {"column": "job_title", "lines": [line + 2]}


def _reencode(path: Path) -> dict:
    header, rows = _read(path)
    accented = [i for i, r in enumerate(rows) if any(ord(ch) > 127 for ch in ",".join(r))]
    if not accented:  # make sure at least one row has a character latin-1 encodes differently
        rows[0][header.index("full_name")] += " Müller"
        accented = [0]
    bad = accented[0]
    _write(path, header, rows, encoding="latin-1")
    return {"lines": [bad + 2]}


def _bom_crlf(path: Path) -> dict:
    header, rows = _read(path)
    _write(path, header, rows, lineterminator="\r\n", prefix=b"\xef\xbb\xbf")
    return {}


def _garbage(path: Path) -> dict:
    path.write_bytes(b"PK\x03\x04\x14\x00\x08\x00" + bytes(range(256)) * 4)
    return {}


def _empty(path: Path) -> dict:
    path.write_bytes(b"")
    return {}


# kind -> (table whose CSV file is edited, edit); None: the delivery itself is changed.
KINDS: dict[str, tuple[str | None, Callable[[Path], dict] | None]] = {
    "unreadable_file": ("crm_support_tickets", _garbage),
    "wrong_encoding": ("crm_contacts", _reencode),
    "bom_crlf": ("crm_accounts", _bom_crlf),
    "unterminated_quote": ("crm_contacts", _unterminated_quote),
    "missing_column": ("crm_accounts", _drop_column("segment")),
    "renamed_column": ("crm_accounts", _drop_column("employee_count", rename_to="employees")),
    "extra_column": ("crm_accounts", _extra_column),
    "wrong_type": ("crm_accounts", _edit_cells("employee_count", lambda v: "many")),
    "duplicate_key": ("crm_accounts", _duplicate_key),
    "null_key": ("sub_subscription_events", _edit_cells("event_id", lambda v: "")),
    "unknown_enum": ("crm_support_tickets", _edit_cells("priority", lambda v: "critical")),
    "negative_amount": ("sub_invoices", _edit_cells("amount", lambda v: f"-{v}")),
    "orphan_fk": ("crm_contacts", _edit_cells("account_id", lambda v: "A9999999")),
    "empty_file": ("shop_orders", _empty),
    "no_success": (None, None),
}


def inject(kind: str, folder: Path) -> dict:
    """Break ``folder`` (a delivery, before ``_SUCCESS``) in the way ``kind`` names."""
    if kind not in KINDS:
        raise UpsellError(f"unknown --inject kind {kind!r}; choose from {', '.join(KINDS)}")
    table, edit = KINDS[kind]
    report = {"kind": kind, "delivery": folder.name}
    if edit is None:
        return report | {"file": SUCCESS_MARKER}
    path = folder / f"{table}.csv"
    if not path.exists():
        raise UpsellError(
            f"--inject {kind} edits {path.name}, which delivery {folder.name} does not carry as "
            "CSV; use --format csv or mixed, or a larger --accounts"
        )
    return report | {"table": table, "file": path.name} | edit(path)
