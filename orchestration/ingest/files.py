"""Find deliveries in the landing zone and read their files as text, with line numbers.

Every value is read as a string (typing is the row rules' job, so a bad value quarantines
one row instead of failing a whole file). CSV is read with the contract's explicit dialect,
never sniffed. When the fast reader fails, a slower pass finds the exact line and says what
is wrong there, so the person fixing the export knows where to look.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from orchestration.contract import TABLES
from orchestration.errors import UpsellError
from orchestration.ingest.rules import q

LINE = "_line"


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
    scan: Path | None  # CSV, JSON Lines: their text and _line as Parquet; None for Parquet

    def register(self, con) -> None:
        """Create the view ``incoming``: every column as text, plus the record's ``_line``."""
        if self.scan is not None:
            source, line = f"read_parquet('{self.scan}')", LINE
        else:  # Parquet is scanned in place (never loaded into Python); its lines are rows
            source = f"read_parquet('{self.path}', file_row_number = true)"
            line = f"file_row_number + 1 AS {LINE}"
        cols = ", ".join(f"CAST({q(c)} AS VARCHAR) AS {q(c)}" for c in self.columns)
        con.execute(f"CREATE OR REPLACE TEMP VIEW incoming AS SELECT {cols}, {line} FROM {source}")


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _where(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _locate_csv_problem(path: Path, width: int) -> str:
    """Walk the file with Python's strict csv reader to name the first broken line."""
    raw = path.read_bytes()
    text_start = 3 if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        text = raw[text_start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = text_start + exc.start
        line = raw[:offset].count(b"\n") + 1
        col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
        return (
            f"line {line}, byte {col}: not valid UTF-8 (byte 0x{raw[offset]:02x}); "
            "export the file as UTF-8"
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for record in reader:
            if len(record) != width and record:
                return (
                    f"line {start}: {len(record)} fields where the header has {width} "
                    "(a stray comma or quote?)"
                )
            start = reader.line_num + 1
    except csv.Error as exc:
        if "end of data" in str(exc) or "EOF" in str(exc):
            return f"line {start}: a quoted field opened here is never closed (unterminated quote)"
        return f"line {reader.line_num}: {exc}"
    return "the CSV reader failed, but no broken line was found"


# CSV is parsed block by block, so memory does not grow with the file. Small blocks: pyarrow
# reads several ahead, and 16 MB blocks cost 500 MB of RSS; a record must fit in one block.
BLOCK_BYTES = 1 << 20
PARSE = pacsv.ParseOptions(
    delimiter=",", quote_char='"', double_quote=True, escape_char=False, newlines_in_values=True
)


def _read_csv(path: Path, spill: Path) -> tuple[int, int]:
    """Parse ``path`` block by block into the Parquet file ``spill`` (text columns and each
    record's line); return (physical data lines, records)."""
    if path.stat().st_size == 0:
        raise LandingFileError(
            f"{_where(path)} is empty (0 bytes): a CSV needs at least its header row"
        )
    with path.open("rb") as f:
        head = f.readline()
    try:
        header = next(csv.reader([head.decode("utf-8-sig").rstrip("\r\n")]))
    except (UnicodeDecodeError, StopIteration):
        raise LandingFileError(f"{_where(path)} line 1: the header is not UTF-8 CSV text") from None
    if len(set(header)) != len(header):
        raise LandingFileError(f"{_where(path)} line 1: a column name appears twice in {header}")
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header},
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=[""],
        check_utf8=True,
    )
    records = breaks_total = 0
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf8", block_size=BLOCK_BYTES),
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
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        raise LandingFileError(f"{_where(path)} {_locate_csv_problem(path, len(header))}") from None
    pa.default_memory_pool().release_unused()  # give the parse buffers back before DuckDB works
    physical = _physical_lines(path) - 1
    if physical != records + breaks_total:
        raise LandingFileError(
            f"{_where(path)}: {physical} data lines but {records} records "
            f"and {breaks_total} line breaks inside values; the file is malformed"
        )
    return physical, records


def _physical_lines(path: Path) -> int:
    """Lines in the file, the last one counted even without its line break; read in chunks."""
    count, last = 0, b""
    with path.open("rb") as f:
        while chunk := f.read(BLOCK_BYTES):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (0 if last == b"\n" else 1)


def _as_strings(table: pa.Table) -> pa.Table:
    cols = []
    for name in table.column_names:
        col = table[name]
        if pa.types.is_timestamp(col.type):
            col = pc.strftime(col, format="%Y-%m-%dT%H:%M:%S")
        elif pa.types.is_boolean(col.type):
            col = pc.if_else(col, "true", "false")
        cols.append(col.cast(pa.string()))
    return pa.table(cols, names=table.column_names)


def _read_jsonl(path: Path, spill: Path) -> tuple[int, int]:
    """JSON Lines into the Parquet file ``spill`` (read whole: the format is for small
    tables; large ones come as CSV or Parquet)."""
    if path.stat().st_size == 0:
        raise LandingFileError(f"{_where(path)} is empty (0 bytes)")
    try:
        table = _as_strings(pajson.read_json(path))
    except pa.ArrowInvalid as exc:
        raise LandingFileError(f"{_where(path)} cannot be read as JSON Lines: {exc}") from None
    lines = pa.array(range(1, table.num_rows + 1), pa.int64())
    pq.write_table(table.append_column(LINE, lines), spill)
    return table.num_rows, table.num_rows


def _parquet_columns(path: Path) -> tuple[list[str], int]:
    try:
        meta = pq.read_metadata(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise LandingFileError(f"{_where(path)} cannot be read as Parquet: {exc}") from None
    return list(meta.schema.names), meta.num_rows


def read_file(table_name: str, path: Path, spill_dir: Path) -> ReadFile:
    """Check one landing file; raise ``LandingFileError`` naming the file, line or column.

    CSV and JSON Lines are converted to a Parquet file in ``spill_dir`` on the way."""
    fmt = path.name.partition(".")[2]
    if fmt == "parquet":
        scan = None
        present, records = _parquet_columns(path)
        input_lines = records
    else:
        scan = spill_dir / f"{table_name}.parquet"
        read = _read_csv if fmt == "csv" else _read_jsonl
        input_lines, records = read(path, scan)
        present = [c for c in pq.read_schema(scan).names if c != LINE]
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
