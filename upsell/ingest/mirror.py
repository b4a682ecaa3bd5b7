"""The local mirror of a landing zone in object storage, which the loader reads as it reads a
local landing zone.

A complete delivery (a dated folder holding ``_SUCCESS``) is copied whole: its files into a
staging folder, which is renamed into place only once every file has arrived at its listed
size, so the mirror never holds half a delivery. A delivery whose listing (names, sizes,
ETags) differs from the one mirrored is copied again: the loader's fingerprint then refuses
a loaded delivery that was changed, in words. Everything else the landing zone holds is
mirrored as an empty stand-in of the same name (an incomplete delivery as an empty folder, a
stray file as an empty file, an undated folder with its ``_SUCCESS``), so that what the
loader and the sensor report about it is reported as for a local landing zone.

Layout of the cache folder: ``landing/`` (the mirror), ``listing.json`` (the URL mirrored
and each delivery's listing), ``staging/`` (copies in progress), ``lock``.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from pathlib import Path

from upsell.contract import SUCCESS_MARKER
from upsell.errors import UpsellError
from upsell.ingest.deliveries import delivery_day
from upsell.landing_store import BucketPath, reaching


def mirror_landing(bucket: BucketPath, cache: Path) -> Path:
    """Bring the mirror of ``bucket`` in ``cache`` up to date; the local landing folder."""
    cache.mkdir(parents=True, exist_ok=True)
    # the sensor (in Dagster's daemon) and a run may mirror at once: one after the other
    with (cache / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _mirror(bucket, cache)


def _mirror(bucket: BucketPath, cache: Path) -> Path:
    with reaching(f"list the landing zone {bucket}"):
        fs, root = bucket.filesystem()
        try:
            found = fs.find(root, withdirs=True, detail=True)
        except FileNotFoundError:
            found = {}
        if not found and not fs.exists(root):
            raise UpsellError(f"landing directory {bucket} does not exist")
    entries = _entries(root, found)
    mirror, staging, record = cache / "landing", cache / "staging", cache / "listing.json"
    listings = _read_listings(record, bucket)
    if listings is None:  # another landing zone was mirrored here
        shutil.rmtree(mirror, ignore_errors=True)
        listings = {}
    shutil.rmtree(staging, ignore_errors=True)
    mirror.mkdir(parents=True, exist_ok=True)
    staging.mkdir(parents=True, exist_ok=True)
    for stale in sorted(set(os.listdir(mirror)) - set(entries)):
        _remove(mirror / stale)
        listings.pop(stale, None)
    for name, (is_dir, files) in sorted(entries.items()):
        complete = is_dir and delivery_day(name) is not None and SUCCESS_MARKER in files
        if complete:
            listing = {rel: _version(info) for rel, info in sorted(files.items())}
            if listings.get(name) != listing or not (mirror / name).is_dir():
                _copy_delivery(fs, bucket, name, files, mirror, staging)
                listings[name] = listing
        else:
            listings.pop(name, None)
            _stand_in(mirror / name, is_dir, SUCCESS_MARKER in files)
        _write_listings(record, bucket, listings)
    _write_listings(record, bucket, listings)
    shutil.rmtree(staging, ignore_errors=True)
    return mirror


def _entries(root: str, found: dict) -> dict[str, tuple[bool, dict[str, dict]]]:
    """Each top-level name: whether it is a folder, and the files under it by relative path."""
    entries: dict[str, tuple[bool, dict[str, dict]]] = {}
    for path, info in found.items():
        rel = path[len(root) :].strip("/")
        if not rel:
            continue
        top, _, below = rel.partition("/")
        is_dir = bool(below) or info.get("type") == "directory"
        folder, files = entries.get(top, (False, {}))
        if below and info.get("type") != "directory":
            files[below] = info
        entries[top] = (folder or is_dir, files)
    return entries


def _version(info: dict) -> list:
    """What changes when a file is rewritten: its size and ETag (its mtime where no ETag)."""
    tag = info.get("ETag") or info.get("etag") or info.get("mtime") or info.get("LastModified")
    return [info.get("size"), str(tag)]


def _copy_delivery(fs, bucket: BucketPath, name: str, files: dict, mirror: Path, staging: Path):
    tmp = Path(tempfile.mkdtemp(dir=staging, prefix=f"{name}."))
    try:
        for rel, info in sorted(files.items()):
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            source = f"{bucket}/{name}/{rel}"
            with reaching(f"copy {source}"):
                try:
                    fs.get_file(info["name"], str(target))
                except FileNotFoundError:
                    raise UpsellError(_changing(source, "vanished while being copied")) from None
            if info.get("size") is not None and target.stat().st_size != info["size"]:
                raise UpsellError(_changing(source, "changed size while it was being copied"))
        tmp.chmod(0o755)  # mkdtemp's 0700, as a folder written in place would not have
        final = mirror / name
        if final.exists():
            old = Path(tempfile.mkdtemp(dir=staging, prefix=f"{name}.old."))
            os.rename(final, old / name)
        os.rename(tmp, final)
    except OSError as exc:
        raise UpsellError(
            f"cannot copy the delivery {bucket}/{name} into {mirror} ({exc}): nothing of it "
            "was mirrored; run again"
        ) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _changing(source: str, what: str) -> str:
    return (
        f"{source} {what}: the delivery is being rewritten although it has {SUCCESS_MARKER}; "
        "nothing of it was mirrored; run again once its exporter has finished"
    )


def _stand_in(path: Path, is_dir: bool, marked: bool) -> None:
    """An empty entry standing for what is not copied (nothing in it is read)."""
    if path.exists() and (path.is_dir() != is_dir or (is_dir and os.listdir(path))):
        _remove(path)
    if is_dir:
        path.mkdir(exist_ok=True)
        if marked:
            (path / SUCCESS_MARKER).touch()
    else:
        path.touch()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _read_listings(record: Path, bucket: BucketPath) -> dict | None:
    if not record.exists():
        return {}
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None  # mirrored again from scratch
    return data["deliveries"] if data.get("url") == bucket.url else None


def _write_listings(record: Path, bucket: BucketPath, listings: dict) -> None:
    tmp = record.with_name(f".{record.name}.tmp")
    tmp.write_text(json.dumps({"url": bucket.url, "deliveries": listings}, sort_keys=True))
    os.replace(tmp, record)
