"""Load complete deliveries into the warehouse's ``raw`` schema, one transaction per delivery.

A delivery is read and checked file by file before anything is written; then all its tables
are written in one transaction, so a delivery is either wholly in or not at all. Bad rows go to
``raw.<table>__quarantine`` with their reason, file and line; good rows update the current
table (newest ``updated_at`` wins, then the later delivery) and, for tables whose rows change,
are appended to ``raw.<table>__history``.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from upsell.contract import TABLES
from upsell.errors import UpsellError
from upsell.ingest import rules
from upsell.ingest.deliveries import (
    Delivery,
    Finding,
    Landing,
    find_deliveries,
    nothing_to_load,
    refusal_message,
)
from upsell.ingest.files import LandingFileError, checksum, read_file
from upsell.ingest.rules import VERSIONED
from upsell.warehouse import q, table_exists


@dataclass
class TableLoad:
    table: str
    source_file: str
    input_lines: int
    input_records: int
    loaded: int
    quarantined: int
    applied: int

    @property
    def bad_share(self) -> float:
        return self.quarantined / self.input_records if self.input_records else 0.0


@dataclass
class LoadReport:
    loaded: list[date] = field(default_factory=list)
    skipped_incomplete: list[date] = field(default_factory=list)
    already_loaded: list[date] = field(default_factory=list)
    tables: list[tuple[date, TableLoad]] = field(default_factory=list)
    ignored: list[Finding] = field(default_factory=list)  # not taken this run, and why


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``raw`` with every contract table, even those no delivery has carried yet."""
    for stmt in rules.MANIFEST_SQL:
        con.execute(stmt)
    for table in TABLES.values():
        for stmt in rules.create_raw_sql(table):
            con.execute(stmt)


def fingerprint(delivery: Delivery) -> str:
    """What identifies a delivery's content: its files' names and checksums."""
    digest = hashlib.sha256()
    for table in sorted(delivery.files):
        digest.update(f"{delivery.files[table].name}:{checksum(delivery.files[table])}\n".encode())
    return digest.hexdigest()


def load_delivery(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, run_id: str, fp: str
) -> list[TableLoad]:
    """Read, check and write one delivery atomically; raise ``LandingFileError`` to reject it."""
    root, prefix = spill_location(con)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=root) as spill:
        # every file is read and checked before anything is written
        read = {t: read_file(t, p, Path(spill)) for t, p in delivery.files.items()}
        loaded_at = datetime.now(UTC).replace(tzinfo=None)
        results = []
        con.execute("BEGIN TRANSACTION")
        try:
            for table in rules.load_order():
                if table in read:
                    results.append(
                        _load_table(con, table, read[table], delivery, loaded_at, run_id)
                    )
            con.execute(
                "INSERT INTO raw._deliveries VALUES ($d, $fp, $n, $at, $run)",
                {"d": delivery.day, "fp": fp, "n": len(read), "at": loaded_at, "run": run_id},
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.execute("DROP VIEW IF EXISTS incoming")  # it reads a file about to be deleted
    return results


def spill_location(con: duckdb.DuckDBPyConnection) -> tuple[Path | None, str]:
    """Where a load converts text files to Parquet: beside the warehouse (the system temp
    folder may live in memory), in folders named after it; the temp folder if in memory."""
    path = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    return (Path(path).parent, f".{Path(path).name}.ingest-") if path else (None, ".ingest-")


def remove_stale_spills(con: duckdb.DuckDBPyConnection) -> None:
    """Spill folders a killed load left behind (only one process writes a warehouse)."""
    root, prefix = spill_location(con)
    for stale in root.glob(prefix + "*") if root else ():
        shutil.rmtree(stale, ignore_errors=True)


def _load_table(con, table: str, f, delivery: Delivery, loaded_at, run_id: str) -> TableLoad:
    spec = TABLES[table]
    meta = {
        "delivery": delivery.day,
        "file": f"{delivery.path.name}/{f.path.name}",
        "checksum": f.checksum,
        "loaded_at": loaded_at,
        "run_id": run_id,
    }
    stamp = (
        "$delivery AS _delivery_date, $delivery AS _first_delivery_date, $file AS _source_file, "
        "$checksum AS _file_checksum, "
        "_line, $loaded_at AS _loaded_at, $run_id AS _run_id"
    )
    f.register(con)
    text = ", ".join(q(c.name) for c in spec.columns)
    con.execute("CREATE OR REPLACE TEMP TABLE bad_lines AS " + rules.bad_rows_sql(spec, f.extras))
    meta_names = ", ".join(name for name, _ in rules.META_COLUMNS)
    quarantined = con.execute(
        f"INSERT INTO raw.{table}__quarantine ({text}, {meta_names}, _reason_code, _reason) "
        f"SELECT {text}, _extra, {stamp}, split_part(_reason, ':', 1), _reason FROM bad_lines",
        meta,
    ).fetchone()[0]
    good = f"SELECT {text}, _extra, {stamp} FROM ({rules.good_rows_sql(spec, f.extras)})"
    columns = ", ".join([q(c.name) for c in spec.columns] + [n for n, _ in rules.META_COLUMNS])
    if table in VERSIONED:
        con.execute(f"INSERT INTO raw.{table}__history ({columns}) {good}", meta)
    first_load = con.execute(f"SELECT count(*) = 0 FROM raw.{table}").fetchone()[0]
    if first_load:  # nothing to upsert against: stream the rows straight in
        applied = con.execute(f"INSERT INTO raw.{table} ({columns}) {good}", meta).fetchone()[0]
        loaded = applied
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE good AS {good}", meta)
        loaded = con.execute("SELECT count(*) FROM good").fetchone()[0]
        applied = _apply(con, table, columns)
        con.execute("DROP TABLE good")
    con.execute("DROP TABLE bad_lines")
    con.execute("DROP VIEW incoming")
    result = TableLoad(table, meta["file"], f.input_lines, f.records, loaded, quarantined, applied)
    if loaded + quarantined != f.records:  # reconcile: nothing lost, nothing counted twice
        raise UpsellError(
            f"{meta['file']}: {f.records} records in but {loaded} loaded and {quarantined} "
            "quarantined; refusing to commit"
        )
    con.execute(
        "INSERT INTO raw._load_manifest VALUES ($delivery, $table, $file, $checksum, $lines, "
        "$records, $loaded, $quarantined, $applied, $share, $loaded_at, $run_id)",
        meta
        | {
            "table": table,
            "lines": f.input_lines,
            "records": f.records,
            "loaded": loaded,
            "quarantined": quarantined,
            "applied": applied,
            "share": result.bad_share,
        },
    )
    return result


def _apply(con, table: str, columns: str) -> int:
    """Upsert ``good`` into the current table: newest updated_at wins, then the later delivery."""
    spec = TABLES[table]
    same_key = " AND ".join(f"c.{q(k)} = n.{q(k)}" for k in spec.key)
    newer = "c._delivery_date > n._delivery_date"
    if spec.has_updated_at:
        newer = f"(c.updated_at > n.updated_at OR (c.updated_at = n.updated_at AND {newer}))"
    # A key keeps the date it was first delivered, so that "known by date T" stays true of it.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE applicable AS SELECT n.* REPLACE (coalesce(least("
        "c._first_delivery_date, n._first_delivery_date), n._first_delivery_date) AS "
        f"_first_delivery_date) FROM good n LEFT JOIN raw.{table} c ON {same_key} "
        f"WHERE NOT EXISTS (SELECT 1 FROM raw.{table} c WHERE {same_key} AND {newer})"
    )
    con.execute(f"DELETE FROM raw.{table} c USING applicable n WHERE {same_key}")
    applied = con.execute(
        f"INSERT INTO raw.{table} ({columns}) SELECT {columns} FROM applicable"
    ).fetchone()[0]
    con.execute("DROP TABLE applicable")
    return applied


def loaded_deliveries(con: duckdb.DuckDBPyConnection) -> dict[date, str]:
    """Each delivery loaded so far, with its content fingerprint (none in a new warehouse)."""
    if not table_exists(con, "raw", "_deliveries"):
        return {}
    return dict(con.execute("SELECT delivery_date, fingerprint FROM raw._deliveries").fetchall())


def checked_landing(landing: Path, done: dict[date, str]) -> Landing:
    """The landing zone's deliveries; ``LandingFileError`` for what cannot be taken safely,
    and for a first run that finds no complete delivery (a landing directory set wrong)."""
    found = find_deliveries(landing)
    if found.refused:
        raise LandingFileError(refusal_message(found))
    if not done and not any(d.complete for d in found.deliveries):
        raise LandingFileError(nothing_to_load(found))
    return found


def load_landing_zone(con: duckdb.DuckDBPyConnection, landing: Path, run_id: str) -> LoadReport:
    """Load every complete delivery not loaded yet, oldest first; stop at the first bad one.

    What cannot be taken safely (a refused path, a loaded delivery changed since) stops the
    load before anything is written."""
    ensure_raw_schema(con)
    remove_stale_spills(con)
    done = loaded_deliveries(con)
    found = checked_landing(landing, done)
    report = LoadReport(ignored=list(found.ignored))
    pending = []
    for delivery in found.deliveries:
        if not delivery.complete:
            report.skipped_incomplete.append(delivery.day)
        elif delivery.day in done:
            if done[delivery.day] != fingerprint(delivery):
                raise LandingFileError(
                    f"delivery {delivery.day} was loaded before with other files; a loaded "
                    "delivery is never reloaded: send corrections in a new delivery"
                )
            report.already_loaded.append(delivery.day)
        else:
            pending.append(delivery)
            report.ignored.extend(delivery.ignored)
    for delivery in pending:
        try:
            tables = load_delivery(con, delivery, run_id, fingerprint(delivery))
        except LandingFileError as exc:
            raise LandingFileError(f"delivery {delivery.day} rejected: {exc}") from None
        report.loaded.append(delivery.day)
        report.tables.extend((delivery.day, t) for t in tables)
    return report
