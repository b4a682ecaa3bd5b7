"""Dagster's SQLite event log, with its database connections kept open between events.

``SqliteEventLogStorage`` creates an engine, connects, commits and disconnects for every event
it writes (twice for asset events: the run's database and the index). Closing the last
connection to a WAL database checkpoints it, so each event costs about 15 ms: about 10 s of the
630 events of a daily run at 100,000 accounts (py-spy). This storage keeps one connection per
database file open, for the most recently used files, and commits with ``synchronous=NORMAL``,
SQLite's setting for WAL databases: a commit is not flushed to disk on its own, so a power cut
can lose the last events of a run; it cannot corrupt the file. Everything else (schema, queries,
watching a run's file for the UI) is Dagster's own.

Patches: ``SqliteEventLogStorage._connect(shard)``, a private context manager that yields a
connection in a transaction, replaced by one on a kept engine; it relies on the parent's
``_db_lock``, ``_initialized_dbs``, ``_initdb(engine)``, ``conn_string_for_shard(shard)`` and
``dagster._core.storage.sqlite.SQLITE_BUSY_TIMEOUT_SECONDS``. Checked against dagster 1.13.27
and SQLAlchemy 2.1.9 (``tests/test_compat.py``). Imports Dagster at import time: nothing in
``upsell`` imports this module; Dagster does, by the module path in ``dagster.yaml``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

OPEN_FILES = 8  # the index and the few runs being written or watched


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """The event log of ``dagster.yaml``'s ``event_log_storage`` (written by ``upsell``)."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()  # used under Dagster's _db_lock
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator:
        # Dagster's lock: one connection in use at a time per storage, as in the parent.
        with self._db_lock:
            engine = self._engine(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(
            self.conn_string_for_shard(shard),
            poolclass=StaticPool,  # one connection, used under the storage's lock
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        event.listen(engine, "connect", _normal_sync)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_FILES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def _close_all(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_all()  # the run files are deleted: no connection may outlive them
        super().wipe()

    def dispose(self) -> None:
        self._close_all()
        super().dispose()


def _normal_sync(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
