"""Great Expectations without fingerprinting the frames it validates.

GX hashes every cell of a pandas frame under ``HASH_THRESHOLD`` bytes (1 GB) of
``great_expectations.execution_engine.pandas_execution_engine`` (a module constant, not a
setting) to mark the batch; nothing here reads the marker. Setting the threshold to 0 saves
5 s of the 18 s of raw checks at 100,000 accounts. Imported inside the function: GX takes
seconds to import. Checked against great_expectations 1.24.1.
"""

from __future__ import annotations


def disable_batch_hashing() -> None:
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0
