"""A landing zone in object storage: ``UPSELL_LANDING_DIR=s3://bucket/prefix`` (or any other
fsspec URL whose filesystem is installed, ``file://`` too).

Credentials are the filesystem library's own (for S3: the AWS_* environment variables,
AWS_ENDPOINT_URL for an S3-compatible store, ~/.aws): they never pass through our settings,
so no message or state file can hold them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from upsell.errors import UpsellError

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://")


def is_url(text: str) -> bool:
    return bool(_URL.match(text))


def storage_errors() -> tuple[type[BaseException], ...]:
    """What a filesystem library raises for an unreachable store or missing credentials
    (s3fs passes botocore's own errors through, such as NoCredentialsError)."""
    try:
        from botocore.exceptions import BotoCoreError
    except ImportError:
        return (OSError,)
    return (OSError, BotoCoreError)


@contextmanager
def reaching(what: str) -> Iterator[None]:
    """``what`` (``list the landing zone s3://...``) said in words when the store refuses or
    cannot be reached; the library's messages name no secret."""
    try:
        yield
    except storage_errors() as exc:
        raise UpsellError(
            f"cannot {what} ({type(exc).__name__}: {exc}): check the address and the storage "
            "credentials (for S3: the AWS_* variables, AWS_ENDPOINT_URL, ~/.aws)"
        ) from None


class BucketPath:
    """A folder of an fsspec filesystem, named by its URL; ``/`` and ``.name`` as on a Path,
    so that a delivery's place reads the same whether the landing zone is local or not."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    @classmethod
    def setting(cls, name: str, url: str) -> BucketPath:
        """The URL of setting ``name``, refused in words when no filesystem reads it."""
        import fsspec

        parts = urlsplit(url)
        if parts.username or parts.password or parts.query or parts.fragment:
            raise UpsellError(
                f"{name}: give the URL without credentials, query or fragment; credentials "
                "come from the storage library's own settings (for S3: AWS_* variables, ~/.aws)"
            )
        if not (parts.netloc or parts.path.strip("/")):
            raise UpsellError(f"{name}={url!r} names no bucket or folder")
        try:
            fsspec.get_filesystem_class(parts.scheme)
        except ValueError:
            raise UpsellError(
                f"{name}={url!r}: {parts.scheme}:// is not a storage protocol fsspec knows"
            ) from None
        except ImportError:
            extra = " (pip install 'upsell[s3]')" if parts.scheme in ("s3", "s3a") else ""
            raise UpsellError(
                f"{name}={url!r}: the library for {parts.scheme}:// is not installed{extra}"
            ) from None
        return cls(url)

    def filesystem(self):
        """The filesystem and this folder's path on it (a fresh listing each time: a cached
        one would hide a delivery changed since)."""
        import fsspec

        fs, path = fsspec.core.url_to_fs(self.url)
        fs.invalidate_cache()
        return fs, path.rstrip("/")

    def __truediv__(self, name: str) -> BucketPath:
        return BucketPath(f"{self.url}/{name}")

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    def __eq__(self, other) -> bool:
        return isinstance(other, BucketPath) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"BucketPath({self.url!r})"
