"""Read landing files as text, with line numbers.

Every value is read as a string (typing is the row rules' job, so a bad value quarantines
one row instead of failing a whole file). CSV is read with the contract's explicit dialect,
never sniffed. When the fast reader fails, a slower pass finds the exact line and says what
is wrong there, so the person fixing the export knows where to look. Every failure is a
``LandingFileError`` of one line: the file, the line or column, what is wrong, what to do.

Columns are named by position inside the loader (``_c0``, ``_c1``... in the Parquet spill of
a CSV or JSON Lines file, and in the view over a Parquet file): a file's own column names are
data, so a column called ``_line`` or ``file_row_number`` cannot collide with the loader's.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from upsell.contract import TABLES
from upsell.errors import UpsellError
from upsell.ingest.rules import extra_name
from upsell.warehouse import q

LINE = "_line"
ROW_NUMBER = "file_row_number"  # the column DuckDB adds to a Parquet scan when asked


class LandingFileError(UpsellError):
    """A landing file that cannot be loaded; its whole delivery is rejected."""


@dataclass(frozen=True)
class ReadFile:
    """A landing file checked for structure, ready to be exposed to SQL as ``incoming``."""

    table: str
    path: Path
    checksum: str
    columns: tuple[str, ...]  # as in the file: the contract's and any extras
    extras: tuple[str, ...]
    input_lines: int  # physical data lines (CSV) or records (Parquet, JSON Lines)
    records: int
    scan: Path | None  # the file's text by position and _line as Parquet; None: read in place

    def register(self, con) -> None:
        """Create the view ``incoming``: the contract's columns as text under their names, the
        extras under ``extra_name(i)``, plus each record's ``_line``."""
        data = literal(self.scan or self.path)
        kinds = [
            kind
            for (kind,) in con.execute(
                f"SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet({data}))"
            ).fetchall()
        ]
        names = [_position(i) for i in range(len(self.columns))]
        if self.scan is not None:
            source, line, names = f"read_parquet({data})", LINE, [*names, LINE]
            kinds = kinds[:-1]
        else:  # Parquet is scanned in place (never loaded into Python); its lines are rows
            source = f"read_parquet({data}, file_row_number = true)"
            line, names = f"{ROW_NUMBER} + 1 AS {LINE}", [*names, ROW_NUMBER]
        spec = TABLES[self.table]
        cols = []
        for i, (name, typed) in enumerate(zip(self.columns, kinds, strict=True)):
            if name in spec.column_names:
                alias, kind = q(name), spec.column(name).type
            else:
                alias, kind = extra_name(self.extras.index(name)), "string"
            cols.append(f"{as_text(_position(i), typed, kind)} AS {alias}")
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW incoming AS SELECT {', '.join(cols)}, {line} "
            f"FROM {source} AS t({', '.join(names)})"
        )


def _position(i: int) -> str:
    return f"_c{i}"


def literal(path: Path) -> str:
    """A path as an SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def as_text(expr: str, typed: str, contract_type: str) -> str:
    """SQL writing a typed Parquet value as the text the contract's rules read.

    Floats are written as the decimal they stand for when the column's scale holds it (19.99,
    not 19.989999999999998), else as their shortest form, which the rules then refuse; a
    timestamp at midnight in a date column is that date (pandas writes dates as timestamps).
    """
    if typed in ("DOUBLE", "FLOAT") and contract_type in ("decimal", "rate"):
        kind = "DECIMAL(18, 4)" if contract_type == "decimal" else "DECIMAL(18, 8)"
        exact = f"TRY_CAST({expr} AS {kind})"
        return (
            f"(CASE WHEN CAST({exact} AS {typed}) = {expr} THEN CAST({exact} AS VARCHAR) "
            f"ELSE CAST({expr} AS VARCHAR) END)"
        )
    if typed.startswith("TIMESTAMP") and contract_type == "date":
        return (
            f"(CASE WHEN {expr} = date_trunc('day', {expr}) THEN strftime({expr}, '%Y-%m-%d') "
            f"ELSE CAST({expr} AS VARCHAR) END)"
        )
    return expr if typed == "VARCHAR" else f"CAST({expr} AS VARCHAR)"


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _where(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _not_utf8(raw: bytes, offset: int) -> str:
    line = raw[:offset].count(b"\n") + 1
    col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return (
        f"line {line}, byte {col}: not valid UTF-8 (byte 0x{raw[offset]:02x}); "
        "export the file as UTF-8"
    )


# Python's csv module, in words for the person fixing the export.
CSV_ERRORS = (
    (
        "new-line character seen in unquoted field",
        "a carriage return (CR) that does not end the line, outside quotes; end lines with LF "
        "or CRLF and quote values that hold line breaks",
    ),
    (
        "expected after",
        "text after a closing quote; quote the whole value and double any quote inside it",
    ),
)


def _csv_error_in_words(exc: csv.Error) -> str:
    message = str(exc)
    for known, words in CSV_ERRORS:
        if known in message:
            return words
    return f"not RFC 4180 CSV ({message}); export it as comma-separated, double-quoted CSV"


def _locate_csv_problem(path: Path, width: int) -> str:
    """Walk the file with Python's strict csv reader to name the first broken line."""
    raw = path.read_bytes()
    text_start = 3 if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        text = raw[text_start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        return _not_utf8(raw, text_start + exc.start)
    # Lines end at LF only (CRLF is LF with a CR before it): a lone CR is an error to name.
    reader = csv.reader(io.StringIO(text, newline="\n"), strict=True)
    start = 1
    try:
        for record in reader:
            if not record:
                return f"line {start} is blank; remove blank lines from the export"
            if len(record) != width:
                return (
                    f"line {start}: {len(record)} fields where the header has {width} "
                    "(a stray comma or quote?)"
                )
            start = reader.line_num + 1
    except csv.Error as exc:
        if "end of data" in str(exc) or "EOF" in str(exc):
            return f"line {start}: a quoted field opened here is never closed (unterminated quote)"
        return f"line {reader.line_num}: {_csv_error_in_words(exc)}"
    return ""


csv.field_size_limit(sys.maxsize)  # a value's size is the reader's block limit, not csv's

# CSV is parsed block by block, so memory does not grow with the file. Small blocks: pyarrow
# reads several ahead, and 16 MB blocks cost 500 MB of RSS; a record longer than a block is
# read again with blocks large enough for it.
BLOCK_BYTES = 1 << 20
LARGE_BLOCK_BYTES = 1 << 26
PARSE = pacsv.ParseOptions(
    delimiter=",", quote_char='"', double_quote=True, escape_char=False, newlines_in_values=True
)
# What may stand beside a quote. A quote with none of these on either side is text after a
# closing quote ("x"y) or a quote inside an unquoted value; pyarrow reads the first as xy,
# bending it, so both are refused (RFC 4180 allows a quote only doubled, in a quoted value).
QUOTE_NEIGHBOURS = np.frombuffer(b',\r\n"', np.uint8)


def _header(path: Path) -> list[str]:
    with path.open("rb") as f:
        head = f.readline()
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LandingFileError(
            f"{_where(path)} {_not_utf8(head, exc.start)} (in the header)"
        ) from None
    try:
        header = next(csv.reader(io.StringIO(text, newline="\n"), strict=True), [])
    except csv.Error as exc:
        raise LandingFileError(f"{_where(path)} line 1: {_csv_error_in_words(exc)}") from None
    if not header:
        raise LandingFileError(f"{_where(path)} line 1 is blank: the first line is the header")
    return header


def _read_csv(path: Path, spill: Path) -> tuple[list[str], int, int]:
    """Parse ``path`` block by block into the Parquet file ``spill`` (text columns by
    position and each record's line); return (header, physical data lines, records)."""
    if path.stat().st_size == 0:
        raise LandingFileError(
            f"{_where(path)} is empty (0 bytes): a CSV needs at least its header row"
        )
    header = _header(path)
    check_names(path, header)
    names = [_position(i) for i in range(len(header))]
    physical, lone_quote = _scan_lines(path)
    if physical == 0:  # the header alone, with or without its line break
        _refuse_lone_quote(path, lone_quote)
        schema = pa.schema([pa.field(n, pa.string()) for n in [*names, LINE]])
        pq.write_table(schema.empty_table(), spill)
        return header, 0, 0
    try:
        records, breaks = _csv_to_parquet(path, spill, names, BLOCK_BYTES)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        if "straddl" not in str(exc):
            raise _broken_csv(path, len(header), exc) from None
        try:
            records, breaks = _csv_to_parquet(path, spill, names, LARGE_BLOCK_BYTES)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as again:
            raise _broken_csv(path, len(header), again) from None
    pa.default_memory_pool().release_unused()  # give the parse buffers back before DuckDB works
    if physical != records + breaks:
        problem = _locate_csv_problem(path, len(header))
        raise LandingFileError(
            f"{_where(path)} {problem}"
            if problem
            else f"{_where(path)}: {physical} data lines but {records} records and {breaks} "
            "line breaks inside values; export it again as RFC 4180 CSV"
        )
    _refuse_lone_quote(path, lone_quote)
    return header, physical, records


def _refuse_lone_quote(path: Path, line: int | None) -> None:
    """Named only once the file has parsed: in bytes that are not CSV text (not UTF-8, say)
    quotes are anywhere, and what is wrong there is said by the reader."""
    if line:
        raise LandingFileError(
            f"{_where(path)} line {line}: a quote inside a value, or text after a closing "
            "quote; quote the whole value and double any quote inside it"
        )


def _broken_csv(path: Path, width: int, exc: Exception) -> LandingFileError:
    problem = _locate_csv_problem(path, width)
    if not problem:  # the strict reader accepts what the fast one refused: say what it said
        reason = str(exc).splitlines()[0].removeprefix("CSV parse error: ")
        problem = f": cannot be parsed as CSV ({reason}); export it again as RFC 4180 CSV"
    return LandingFileError(f"{_where(path)} {problem}")


def _csv_to_parquet(path: Path, spill: Path, names: list[str], block: int) -> tuple[int, int]:
    """(records, line breaks inside values) written to ``spill``."""
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in names},
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=[""],
        check_utf8=True,
    )
    records = breaks_total = 0
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            encoding="utf8", block_size=block, column_names=names, skip_rows=1
        ),
        parse_options=PARSE,
        convert_options=convert,
    )
    schema = reader.schema.append(pa.field(LINE, pa.int64()))
    with pq.ParquetWriter(spill, schema) as writer:
        for batch in reader:
            # Line of each record: the header is line 1; line breaks inside values move
            # the lines after them.
            breaks = np.zeros(batch.num_rows, np.int64)
            for column in batch.columns:
                breaks += pc.fill_null(pc.count_substring(column, "\n"), 0).to_numpy()
            lines = 2 + records + breaks_total + np.arange(batch.num_rows)
            lines += np.cumsum(breaks) - breaks
            writer.write_batch(
                pa.RecordBatch.from_arrays([*batch.columns, pa.array(lines)], schema=schema)
            )
            records += batch.num_rows
            breaks_total += int(breaks.sum())
    return records, breaks_total


def _scan_lines(path: Path) -> tuple[int, int | None]:
    """(data lines after the header, the last counted even without its line break; the line
    of the first lone quote or None), read in chunks."""
    count, last, tail, lone = 0, b"", b"\n", None  # the file's start acts as a line start
    with path.open("rb") as f:
        while chunk := f.read(BLOCK_BYTES):
            window = tail + (chunk.removeprefix(codecs.BOM_UTF8) if not last else chunk)
            if lone is None and (found := _lone_quote(window)) is not None:
                lone = count - tail.count(b"\n") + window[:found].count(b"\n") + 1
            count += chunk.count(b"\n")
            last, tail = chunk[-1:], window[-2:]
    lines = count + (0 if last == b"\n" else 1)
    return lines - 1, lone


def _lone_quote(window: bytes) -> int | None:
    """Offset of the first quote inside ``window`` (not at either end) with neither a
    delimiter, a line end nor another quote on either side (vectorised: files are large)."""
    data = np.frombuffer(window, np.uint8)
    quotes = np.flatnonzero(data[1:-1] == ord('"')) + 1
    lone = ~np.isin(data[quotes - 1], QUOTE_NEIGHBOURS) & ~np.isin(
        data[quotes + 1], QUOTE_NEIGHBOURS
    )
    hits = quotes[lone]
    return int(hits[0]) if hits.size else None


def check_names(path: Path, names: list[str]) -> None:
    """Every column has a name, and no name comes twice."""
    for i, name in enumerate(names, start=1):
        if not name.strip():
            raise LandingFileError(
                f"{_where(path)} column {i}: the column has no name; name every column of "
                "the header"
            )
    seen = set()
    for i, name in enumerate(names, start=1):
        if name in seen:
            raise LandingFileError(
                f"{_where(path)} column {i}: the column name {name!r} appears twice; "
                "send each column once"
            )
        seen.add(name)


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
                    f"{_where(path)} line {number}: the key {key!r} appears twice in one "
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
            f"{_where(path)} line {number}, character {exc.colno}: not JSON ({exc.msg}); "
            "each line must be one JSON object"
        ) from None
    if not isinstance(record, dict):
        raise LandingFileError(
            f"{_where(path)} line {number}: a JSON {type(record).__name__} where each line "
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
        f"{_where(path)} line {number}: {key!r} holds a JSON {type(value).__name__}; values "
        "are strings, numbers, true/false or null"
    )


def _check_encodable(path: Path, number: int, text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise LandingFileError(
            f"{_where(path)} line {number}: a \\u escape that is not a character (a lone "
            "surrogate); export the text as UTF-8"
        ) from None


def _read_jsonl(path: Path, spill: Path) -> tuple[list[str], int, int]:
    """JSON Lines into the Parquet file ``spill``, each value as the text it was written as
    (read whole, record by record: the format is for small tables; large ones come as CSV or
    Parquet). A line that is not a JSON object rejects the file, naming the line."""
    raw = path.read_bytes()
    if not raw:
        raise LandingFileError(f"{_where(path)} is empty (0 bytes)")
    start = 3 if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        text = raw[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LandingFileError(f"{_where(path)} {_not_utf8(raw, start + exc.start)}") from None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the final line break
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            raise LandingFileError(
                f"{_where(path)} line {number} is blank; remove blank lines from the export"
            )
        records.append(_json_record(path, number, line))
    header = list(dict.fromkeys(key for record in records for key in record))
    check_names(path, header)
    columns = {
        _position(i): pa.array([r.get(key) for r in records], pa.string())
        for i, key in enumerate(header)
    }
    columns[LINE] = pa.array(range(1, len(records) + 1), pa.int64())
    pq.write_table(pa.table(columns), spill)
    return header, len(records), len(records)


def _parquet_columns(path: Path) -> tuple[list[str], int]:
    try:
        names = pq.read_schema(path).names
        rows = pq.read_metadata(path).num_rows
    except (pa.ArrowInvalid, OSError) as exc:
        raise LandingFileError(
            f"{_where(path)} cannot be read as Parquet ({exc}); export it again"
        ) from None
    return names, rows


def _parquet_to_spill(path: Path, spill: Path) -> None:
    """A copy of the Parquet file with columns by position and each row's line, for a file
    whose own columns take the name of the row number DuckDB would add."""
    source = pq.ParquetFile(path)
    writer = None
    line = 1
    for batch in source.iter_batches():
        arrays = [*batch.columns, pa.array(range(line, line + batch.num_rows), pa.int64())]
        names = [*(_position(i) for i in range(batch.num_columns)), LINE]
        out = pa.RecordBatch.from_arrays(arrays, names=names)
        writer = writer or pq.ParquetWriter(spill, out.schema)
        writer.write_batch(out)
        line += batch.num_rows
    if writer is None:
        names = [_position(i) for i in range(len(source.schema_arrow))]
        fields = [pa.field(n, f.type) for n, f in zip(names, source.schema_arrow, strict=True)]
        pq.write_table(pa.schema([*fields, pa.field(LINE, pa.int64())]).empty_table(), spill)
    else:
        writer.close()


def read_file(table_name: str, path: Path, spill_dir: Path) -> ReadFile:
    """Check one landing file; raise ``LandingFileError`` naming the file, line or column.

    CSV and JSON Lines are converted to a Parquet file in ``spill_dir`` on the way."""
    fmt = path.name.partition(".")[2]
    scan = spill_dir / f"{table_name}.parquet"
    if fmt == "parquet":
        present, records = _parquet_columns(path)
        check_names(path, present)
        input_lines = records
        if ROW_NUMBER in present:
            _parquet_to_spill(path, scan)
        else:
            scan = None
    else:
        read = _read_csv if fmt == "csv" else _read_jsonl
        present, input_lines, records = read(path, scan)
    contract = TABLES[table_name]
    missing = [c for c in contract.column_names if c not in present]
    if missing:
        extra = [c for c in present if c not in contract.column_names]
        hint = f"; the file has unexpected column(s) {', '.join(extra)} (renamed?)" if extra else ""
        raise LandingFileError(
            f"{_where(path)}: required column(s) {', '.join(missing)} missing{hint}"
        )
    extras = tuple(c for c in present if c not in contract.column_names)
    return ReadFile(
        table_name, path, checksum(path), tuple(present), extras, input_lines, records, scan
    )
