"""Hands the PII salt to every dbt connection as the DuckDB variable ``pii_salt``.

The salt is read from ``UPSELL_PII_SALT`` when a connection opens, so it is never rendered
into compiled SQL under ``target/``, never in dbt's logs and never in the manifest.
"""

from __future__ import annotations

import os

from dbt.adapters.duckdb.plugins import BasePlugin

SALT_VARIABLE = "UPSELL_PII_SALT"


class Plugin(BasePlugin):
    # DuckDB variables belong to one connection: dbt runs models on cursors (copies of the
    # connection), so each cursor is given the salt too.
    def configure_connection(self, conn) -> None:
        _set_salt(conn)

    def configure_cursor(self, cursor) -> None:
        _set_salt(cursor)


def _set_salt(conn) -> None:
    conn.execute("SET VARIABLE pii_salt = ?", [os.environ.get(SALT_VARIABLE, "")])
