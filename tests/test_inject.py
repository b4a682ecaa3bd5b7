"""Each bad-input kind breaks the last delivery in exactly the way it promises."""

from __future__ import annotations

import csv
import json

import pytest

from upsell.contract import SUCCESS_MARKER, TABLES
from upsell.errors import UpsellError
from upsell.sample_data import generate
from upsell.sample_data.inject import KINDS, ROWS
from upsell.sample_data.simulate import Options

TINY = Options(accounts=300, months=4, seed=2, deliveries=1)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean")
    generate(TINY, root / "landing", root / "truth")
    return root / "landing" / "2026-10-31"


def _rows(path):
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_injection(tmp_path, clean, kind):
    report = generate(TINY, tmp_path / "landing", tmp_path / "truth", injections=(kind,))
    (item,) = report["injected"]
    assert json.loads((tmp_path / "truth" / "injected.json").read_text()) == [item]
    last = tmp_path / "landing" / "2026-10-31"
    first = tmp_path / "landing" / "2026-10-30"
    assert (first / SUCCESS_MARKER).exists(), "only the last delivery is touched"
    assert (last / SUCCESS_MARKER).exists() == (kind != "no_success")
    if kind == "no_success":
        return
    path, before = last / item["file"], clean / item["file"]
    assert path.read_bytes() != before.read_bytes()
    raw = path.read_bytes()
    if kind in ("unreadable_file", "empty_file"):
        assert raw == b"" if kind == "empty_file" else raw.startswith(b"PK")
        return
    if kind == "wrong_encoding":
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert len(raw.decode("latin-1").splitlines()) == len(
            before.read_text("utf-8").splitlines()
        )
        return
    if kind == "bom_crlf":
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
        return
    if kind == "unterminated_quote":
        (line,) = item["lines"]
        broken = raw.decode().split("\n")[line - 1]
        assert broken.count('"') % 2 == 1
        return
    header, *rows = _rows(path)
    required = TABLES[item["table"]].column_names
    if kind == "missing_column":
        assert item["column"] not in header and len(header) == len(required) - 1
    elif kind == "renamed_column":
        assert "employees" in header and item["column"] not in header
    elif kind == "extra_column":
        assert header == [*required, "region"]
    else:  # row-level kinds: exactly ROWS rows, on the lines named
        assert len(item["lines"]) == min(ROWS, len(_rows(before)) - 1)
        col = header.index(item["column"])
        values = [rows[line - 2][col] for line in item["lines"]]
        expected = {
            "wrong_type": lambda v: v == "many",
            "null_key": lambda v: v == "",
            "unknown_enum": lambda v: v == "critical",
            "negative_amount": lambda v: float(v) < 0,
            "orphan_fk": lambda v: v == "A9999999",
            "duplicate_key": lambda v: sum(r[col] == v for r in rows) == 2,
        }[kind]
        assert all(expected(v) for v in values), values


def test_unknown_kind_is_refused(tmp_path):
    with pytest.raises(UpsellError, match="unknown --inject kind 'bogus'"):
        generate(TINY, tmp_path / "l", tmp_path / "t", injections=("bogus",))
