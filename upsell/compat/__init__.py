"""Every use of a library's private API, one module per library, each saying what it patches,
why (the cost it saves) and the versions it was checked against; ``tests/test_compat.py``
fails when an upgrade removes or changes what a module relies on.

Importing this package imports no library: modules whose patch must subclass a library class
(``dagster_event_log``, ``dagster_dbt``) are imported only by the code location.
"""
