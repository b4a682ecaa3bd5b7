"""JSON Lines landing files: read line by line, each value as the text it was written as (a
bad value quarantines its row; a line that is not a JSON object refuses the file, naming the
line). The format is for small tables: large ones come as CSV or Parquet."""

from __future__ import annotations

import codecs
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from upsell.ingest.reading import LINE, LandingFileError, check_names, not_utf8, position, where


def _json_number(text: str) -> str:
    """A JSON number as the text it was written as; scientific notation as the same number
    in plain notation (exactly), as a CSV would hold it."""
    if "e" not in text.lower():
        return text
    value = Decimal(text)
    return format(value, "f") if abs(value.adjusted()) <= 40 else text


def _json_record(path: Path, number: int, line: str) -> dict[str, str | None]:
    def pairs(items):
        seen = {}
        for key, value in items:
            if key in seen:
                raise LandingFileError(
                    f"{where(path)} line {number}: the key {key!r} appears twice in one "
                    "record; send each column once"
                )
            seen[key] = value
        return seen

    try:
        record = json.loads(
            line,
            parse_float=_json_number,
            parse_int=str,
            parse_constant=str,
            object_pairs_hook=pairs,
        )
    except json.JSONDecodeError as exc:
        raise LandingFileError(
            f"{where(path)} line {number}, character {exc.colno}: not JSON ({exc.msg}); "
            "each line must be one JSON object"
        ) from None
    if not isinstance(record, dict):
        raise LandingFileError(
            f"{where(path)} line {number}: a JSON {type(record).__name__} where each line "
            "must be one JSON object"
        )
    return {key: _json_text(path, number, key, value) for key, value in record.items()}


def _json_text(path: Path, number: int, key: str, value) -> str | None:
    if value is None:
        return value
    if isinstance(value, str):
        _check_encodable(path, number, key)
        _check_encodable(path, number, value)
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    raise LandingFileError(
        f"{where(path)} line {number}: {key!r} holds a JSON {type(value).__name__}; values "
        "are strings, numbers, true/false or null"
    )


def _check_encodable(path: Path, number: int, text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise LandingFileError(
            f"{where(path)} line {number}: a \\u escape that is not a character (a lone "
            "surrogate); export the text as UTF-8"
        ) from None


def read_jsonl(path: Path, spill: Path) -> tuple[list[str], int, int]:
    """JSON Lines into the Parquet file ``spill``, each value as the text it was written as
    (read whole, record by record: the format is for small tables; large ones come as CSV or
    Parquet). A line that is not a JSON object rejects the file, naming the line."""
    raw = path.read_bytes()
    if not raw:
        raise LandingFileError(f"{where(path)} is empty (0 bytes)")
    start = 3 if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        text = raw[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LandingFileError(f"{where(path)} {not_utf8(raw, start + exc.start)}") from None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the final line break
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            raise LandingFileError(
                f"{where(path)} line {number} is blank; remove blank lines from the export"
            )
        records.append(_json_record(path, number, line))
    header = list(dict.fromkeys(key for record in records for key in record))
    check_names(path, header)
    columns = {
        position(i): pa.array([r.get(key) for r in records], pa.string())
        for i, key in enumerate(header)
    }
    columns[LINE] = pa.array(range(1, len(records) + 1), pa.int64())
    pq.write_table(pa.table(columns), spill)
    return header, len(records), len(records)
