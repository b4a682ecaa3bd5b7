"""CSV landing files: read with the contract's explicit dialect (never sniffed) block by block
into a Parquet spill of text columns and each record's line. When the fast reader fails, a
slower pass finds the exact line and says what is wrong there."""

from __future__ import annotations

import codecs
import csv
import io
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from upsell.ingest.reading import LINE, LandingFileError, check_names, not_utf8, position, where

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
        return not_utf8(raw, text_start + exc.start)
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
            f"{where(path)} {not_utf8(head, exc.start)} (in the header)"
        ) from None
    try:
        header = next(csv.reader(io.StringIO(text, newline="\n"), strict=True), [])
    except csv.Error as exc:
        raise LandingFileError(f"{where(path)} line 1: {_csv_error_in_words(exc)}") from None
    if not header:
        raise LandingFileError(f"{where(path)} line 1 is blank: the first line is the header")
    return header


def read_csv(path: Path, spill: Path) -> tuple[list[str], int, int]:
    """Parse ``path`` block by block into the Parquet file ``spill`` (text columns by
    position and each record's line); return (header, physical data lines, records)."""
    if path.stat().st_size == 0:
        raise LandingFileError(
            f"{where(path)} is empty (0 bytes): a CSV needs at least its header row"
        )
    header = _header(path)
    check_names(path, header)
    names = [position(i) for i in range(len(header))]
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
            f"{where(path)} {problem}"
            if problem
            else f"{where(path)}: {physical} data lines but {records} records and {breaks} "
            "line breaks inside values; export it again as RFC 4180 CSV"
        )
    _refuse_lone_quote(path, lone_quote)
    return header, physical, records


def _refuse_lone_quote(path: Path, line: int | None) -> None:
    """Named only once the file has parsed: in bytes that are not CSV text (not UTF-8, say)
    quotes are anywhere, and what is wrong there is said by the reader."""
    if line:
        raise LandingFileError(
            f"{where(path)} line {line}: a quote inside a value, or text after a closing "
            "quote; quote the whole value and double any quote inside it"
        )


def _broken_csv(path: Path, width: int, exc: Exception) -> LandingFileError:
    problem = _locate_csv_problem(path, width)
    if not problem:  # the strict reader accepts what the fast one refused: say what it said
        reason = str(exc).splitlines()[0].removeprefix("CSV parse error: ")
        problem = f": cannot be parsed as CSV ({reason}); export it again as RFC 4180 CSV"
    return LandingFileError(f"{where(path)} {problem}")


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
