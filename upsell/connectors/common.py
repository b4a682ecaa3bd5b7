"""What every connector shares: its secret, its base URL, its state (the cursor), the pages it
has fetched so far (so a failed extraction resumes), and the delivery it writes.

A source's part of a run (its module's ``prepare``) is: fetch into a staging folder page by
page (each page checkpointed) and map the staged objects to contract rows. The run
(``upsell.connectors.run``) then writes one delivery of every source's rows (into a hidden
folder renamed into place, ``_SUCCESS`` inside it last), and only then moves each cursor. A
failure at any step leaves no delivery and the cursors where they were; the next run resumes
from the last checkpointed page.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq

from upsell.contract import SUCCESS_MARKER, TABLES
from upsell.errors import UpsellError
from upsell.landing_store import BucketPath, reaching, storage_errors

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
_MISSING = object()


def checked(obj: dict, path: str, kind, vendor: str, what: str, optional: bool = False):
    """``obj[path]`` (dots go deeper) if it has type ``kind``; None if ``optional`` and null.
    Anything else stops the extraction with the object (its ``id``, or Salesforce's ``Id``),
    the field and what came instead (the vendor changed a shape, or a proxy mangled it)."""
    value = obj
    for part in path.split("."):
        value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
    if value is None and optional:
        return None
    if (
        value is _MISSING
        or value is None
        or not isinstance(value, kind)
        or (isinstance(value, bool) and kind is not bool)
    ):
        got = "nothing" if value is _MISSING else f"{type(value).__name__} {value!r:.40}"
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        oid = obj.get("id") or obj.get("Id") or "?"
        raise UpsellError(
            f"{vendor} {what} {oid}: field {path} should be {names} but is {got}; "
            "the API's answer has changed shape: nothing was delivered"
        )
    return value


class Secret:
    """A secret value that prints as a mask: a log line, an error or a repr cannot leak it."""

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """``text`` with the secret masked (third-party messages may echo it)."""
        return text.replace(self._value, "***") if self._value else text

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def secret_setting(env, name: str) -> Secret:
    value = env.get(name, "")
    if not value.strip():
        raise UpsellError(f"{name} is not set: give the source's API key or token")
    if value != value.strip() or any(c in value for c in "\r\n\t "):
        raise UpsellError(f"{name} holds whitespace: paste the key alone")
    return Secret(value)


def base_url_setting(env, name: str, default: str) -> str:
    """An https URL (plain http only to this machine, for tests and local proxies), with no
    credentials, query or fragment: the secret travels in a header, never in clear text."""
    url = env.get(name, default).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UpsellError(f"{name}={url!r} is not an http(s) URL such as {default}")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise UpsellError(f"{name}={url!r}: plain http is allowed only to this machine; use https")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise UpsellError(f"{name}: give the URL without credentials, query or fragment")
    return url


@dataclass(frozen=True)
class Prepared:
    """A source's part of an extraction, ready to be delivered."""

    source: str
    mode: str  # "full" or "changes"
    rows: dict[str, list[dict]]  # contract table -> its rows (no empty table)
    left_out: list[str]  # objects not mapped, and why
    state: dict  # what to commit once delivered, the new "cursor" included
    resumed: bool


@dataclass(frozen=True)
class ApiSettings:
    """A source's secret and its API's base URL, read from the environment variables its
    subclass names."""

    SECRET: ClassVar[str]
    BASE_URL: ClassVar[str]
    DEFAULT_BASE_URL: ClassVar[str]

    secret: Secret
    base_url: str

    @classmethod
    def from_env(cls, env):
        return cls(
            secret_setting(env, cls.SECRET),
            base_url_setting(env, cls.BASE_URL, cls.DEFAULT_BASE_URL),
        )


class State:
    """A source's committed state (``state.json``: the cursor and what the mapping must
    remember between runs) and its run in progress (``run/``: checkpoint and staged pages)."""

    def __init__(self, root: Path, source: str):
        self.folder = root / source
        self.run = self.folder / "run"

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One extraction of a source at a time: two would stage into the same run."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with (self.folder / "lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UpsellError(
                    f"another {self.folder.name} extraction is running (it holds "
                    f"{self.folder / 'lock'})"
                ) from None
            yield

    def committed(self) -> dict:
        return _read_json(self.folder / "state.json", {})

    def commit(self, state: dict) -> None:
        """The new state, then the staged run removed: the cursor moves only here."""
        _write_json(self.folder / "state.json", state)
        shutil.rmtree(self.run, ignore_errors=True)

    def checkpoint(self) -> dict | None:
        """The run in progress a failure left, to resume, or None."""
        return _read_json(self.run / "run.json", None)

    def resume_or_start(self, full: bool, new_plan: Callable[[], dict]) -> tuple[dict, bool]:
        """The run a failure left (and True), else a new one from ``new_plan()``. A failed
        run of changes is given up for a full extraction unless it was delivered already."""
        plan = self.checkpoint()
        if plan is not None and full and plan["mode"] != "full" and not plan.get("delivered"):
            plan = None
        if plan is None:
            return self.start(new_plan()), False
        return plan, True

    def delivered(self) -> str | None:
        """The delivery folder the run in progress already wrote its rows into, if any."""
        plan = self.checkpoint()
        return plan.get("delivered") if plan else None

    def mark_delivered(self, name: str) -> None:
        plan = self.checkpoint() or {}
        self.save_checkpoint({**plan, "delivered": name})

    def uploading(self) -> str | None:
        """The day whose delivery the run in progress began uploading to a bucket, if any."""
        plan = self.checkpoint()
        return plan.get("uploading") if plan else None

    def mark_uploading(self, day: str) -> None:
        plan = self.checkpoint() or {}
        self.save_checkpoint({**plan, "uploading": day})

    def start(self, plan: dict) -> dict:
        shutil.rmtree(self.run, ignore_errors=True)
        self.run.mkdir(parents=True, mode=0o700)
        _write_json(self.run / "run.json", plan)
        return plan

    def save_checkpoint(self, plan: dict) -> None:
        _write_json(self.run / "run.json", plan)

    def append(self, resource: str, objects: list[dict]) -> None:
        with (self.run / f"{resource}.jsonl").open("a", encoding="utf-8") as out:
            out.writelines(json.dumps(o, sort_keys=True) + "\n" for o in objects)

    def staged(self, resource: str) -> Iterator[dict]:
        """The staged objects of ``resource``; a page fetched twice (a crash between its
        write and its checkpoint) yields its objects twice, which the mapping tolerates."""
        path = self.run / f"{resource}.jsonl"
        if path.exists():
            with path.open(encoding="utf-8") as lines:
                yield from (json.loads(line) for line in lines)


def _read_json(path: Path, default):
    if not path.exists():
        return default
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UpsellError(f"{path} is not valid JSON ({exc}): remove it to start over") from None


def _write_json(path: Path, data) -> None:
    """Written beside and renamed over: a crash leaves the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, sort_keys=True)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def write_delivery(
    landing: Path | BucketPath,
    day: date,
    rows: dict[str, list[dict]],
    resuming: bool = False,
    started: Callable[[], None] | None = None,
) -> Path | BucketPath:
    """One delivery of contract tables as Parquet (every value as text, as the contract reads
    it), ``_SUCCESS`` last, in a hidden folder renamed to ``<landing>/<day>`` at the end.

    In a bucket (no rename there) the tables go straight to ``<landing>/<day>/``, ``_SUCCESS``
    last: ``started`` is called before the first byte (the caller records in its checkpoint
    that the upload began), and ``resuming`` (that record found) lets a folder without
    ``_SUCCESS`` be overwritten, which only this source's crashed upload can have left."""
    unknown = sorted(set(rows) - set(TABLES))
    if unknown:
        raise UpsellError(f"not contract tables: {', '.join(unknown)}")
    if isinstance(landing, BucketPath):
        return _upload_delivery(landing, day, rows, resuming, started)
    if started is not None:
        started()
    final = landing / day.isoformat()
    if final.exists():
        raise UpsellError(
            f"delivery folder {final} already exists; a delivery is never changed once "
            "written: extract again on a later day"
        )
    landing.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=landing, prefix=f".{day.isoformat()}.partial-"))
    try:
        for table, table_rows in rows.items():
            pq.write_table(_arrow(table, table_rows), tmp / f"{table}.parquet")
        (tmp / SUCCESS_MARKER).touch()
        tmp.chmod(0o755)
        os.rename(tmp, final)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UpsellError(
            f"cannot write the delivery {final} ({exc.strerror or exc}): nothing was delivered; "
            "the next extraction writes it"
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def remove_partial_deliveries(
    landing: Path | BucketPath, own_uploads: Iterable[str | None] = ()
) -> None:
    """Hidden folders a killed run left in the landing zone (never a delivery: no date name).
    In a bucket: the folders of ``own_uploads`` (the days the run's checkpoints say it began
    uploading) that have no ``_SUCCESS``; folders other writers are still writing stay."""
    if isinstance(landing, BucketPath):
        with reaching(f"remove this run's partial upload from {landing}"):
            fs, root = landing.filesystem()
            for day in sorted({d for d in own_uploads if d}):
                folder = f"{root}/{day}"
                if fs.exists(folder) and not fs.exists(f"{folder}/{SUCCESS_MARKER}"):
                    fs.rm(folder, recursive=True)
        return
    for leftover in landing.glob(".????-??-??.partial-*") if landing.is_dir() else ():
        shutil.rmtree(leftover, ignore_errors=True)


def _upload_delivery(
    landing: BucketPath, day: date, rows, resuming: bool, started: Callable[[], None] | None
) -> BucketPath:
    final = landing / day.isoformat()
    fs, root = landing.filesystem()
    folder = f"{root}/{day.isoformat()}"
    try:
        if fs.exists(f"{folder}/{SUCCESS_MARKER}"):
            raise UpsellError(
                f"delivery folder {final} already exists; a delivery is never changed once "
                "written: extract again on a later day"
            )
        if fs.exists(folder) and fs.ls(folder) and not resuming:
            raise UpsellError(
                f"{final} exists without {SUCCESS_MARKER}: another writer is delivering it; "
                "nothing was delivered; extract again once that delivery is complete or removed"
            )
        if started is not None:
            started()
        if fs.exists(folder):
            fs.rm(folder, recursive=True)
        for table, table_rows in rows.items():
            # whole in memory, then one upload: a file object left by an error would still
            # upload what it had on closing
            out = pa.BufferOutputStream()
            pq.write_table(_arrow(table, table_rows), out)
            fs.pipe_file(f"{folder}/{table}.parquet", out.getvalue().to_pybytes())
        fs.pipe_file(f"{folder}/{SUCCESS_MARKER}", b"")
    except storage_errors() as exc:
        why = getattr(exc, "strerror", None) or exc
        raise UpsellError(
            f"cannot write the delivery {final} ({why}): it has no "
            f"{SUCCESS_MARKER}, so nothing was delivered; the next extraction writes it again"
        ) from None
    return final


def _arrow(table: str, rows: list[dict]) -> pa.Table:
    names = TABLES[table].column_names
    columns = {n: pa.array([_text(r[n]) for r in rows], type=pa.string()) for n in names}
    return pa.table(columns)


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
