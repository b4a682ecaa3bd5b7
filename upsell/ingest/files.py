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

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from upsell.contract import TABLES
from upsell.ingest.csv_files import read_csv
from upsell.ingest.jsonl_files import read_jsonl
from upsell.ingest.reading import LINE, LandingFileError, check_names, position, where
from upsell.ingest.rules import extra_name
from upsell.warehouse import q

ROW_NUMBER = "file_row_number"  # the column DuckDB adds to a Parquet scan when asked


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
        names = [position(i) for i in range(len(self.columns))]
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
            cols.append(f"{as_text(position(i), typed, kind)} AS {alias}")
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW incoming AS SELECT {', '.join(cols)}, {line} "
            f"FROM {source} AS t({', '.join(names)})"
        )


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


def _parquet_columns(path: Path) -> tuple[list[str], int]:
    try:
        names = pq.read_schema(path).names
        rows = pq.read_metadata(path).num_rows
    except (pa.ArrowInvalid, OSError) as exc:
        raise LandingFileError(
            f"{where(path)} cannot be read as Parquet ({exc}); export it again"
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
        names = [*(position(i) for i in range(batch.num_columns)), LINE]
        out = pa.RecordBatch.from_arrays(arrays, names=names)
        writer = writer or pq.ParquetWriter(spill, out.schema)
        writer.write_batch(out)
        line += batch.num_rows
    if writer is None:
        names = [position(i) for i in range(len(source.schema_arrow))]
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
        read = read_csv if fmt == "csv" else read_jsonl
        present, input_lines, records = read(path, scan)
    contract = TABLES[table_name]
    missing = [c for c in contract.column_names if c not in present]
    if missing:
        extra = [c for c in present if c not in contract.column_names]
        hint = f"; the file has unexpected column(s) {', '.join(extra)} (renamed?)" if extra else ""
        raise LandingFileError(
            f"{where(path)}: required column(s) {', '.join(missing)} missing{hint}"
        )
    extras = tuple(c for c in present if c not in contract.column_names)
    return ReadFile(
        table_name, path, checksum(path), tuple(present), extras, input_lines, records, scan
    )
