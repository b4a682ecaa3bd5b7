"""The event log's former module path, which the ``dagster.yaml`` of existing installations
names (``upsell`` writes that file once and never changes it): the class lives in
``upsell.compat.dagster_event_log``."""

from upsell.compat.dagster_event_log import OPEN_FILES, PooledSqliteEventLogStorage

__all__ = ["OPEN_FILES", "PooledSqliteEventLogStorage"]
