"""The PostgreSQL connection setting, read the way libpq reads it."""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

from upsell.errors import UpsellError

LIBPQ_SETTINGS = ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE")
SALT_SETTING = "upsell.pii_salt"  # read by the pii_salt macro (current_setting)


def libpq_env(dsn: str) -> dict[str, str]:
    """libpq's PG* variables for ``dsn`` (``postgresql://user@host:port/database``), which dbt's
    profile and every client read. A password in the DSN is refused: it would be copied into
    process listings and logs; libpq reads it from PGPASSWORD or the password file."""
    parts = urlsplit(dsn)
    if parts.scheme not in ("postgresql", "postgres"):
        raise UpsellError(
            f"UPSELL_POSTGRES_DSN must look like postgresql://user@host:5432/database, got "
            f"scheme {parts.scheme or 'none'!r}"
        )
    if parts.password is not None:
        raise UpsellError(
            "UPSELL_POSTGRES_DSN contains a password; remove it and set PGPASSWORD or a "
            "~/.pgpass line instead"
        )
    database = unquote(parts.path.lstrip("/"))
    if not (parts.hostname and parts.username and database):
        raise UpsellError(
            "UPSELL_POSTGRES_DSN must name the user, host and database, as in "
            "postgresql://upsell@127.0.0.1:5432/upsell"
        )
    return {
        "PGHOST": parts.hostname,
        "PGPORT": str(parts.port or 5432),
        "PGUSER": unquote(parts.username),
        "PGDATABASE": database,
    }


def salt_options(salt: str | None = None) -> str:
    """libpq's ``PGOPTIONS`` text setting the PII salt (default: UPSELL_PII_SALT) for every
    connection: the salt reaches the session, never a SQL text or a log line. Spaces and
    backslashes are escaped as libpq requires."""
    salt = os.environ.get("UPSELL_PII_SALT", "") if salt is None else salt
    escaped = salt.replace("\\", "\\\\").replace(" ", "\\ ")
    return f"-c {SALT_SETTING}={escaped}"
