"""dagster-dbt's CLI resource without two start-up costs this project does not need (about 6 s
per daily run, measured with py-spy at 100,000 accounts).

- ``DbtCliResource._cli_version`` (a private ``cached_property``) runs ``dbt --version`` in a
  subprocess (4 s of imports) to learn the version. When the resource runs the dbt installed
  beside this Python (``DBT_EXECUTABLE``), the installed dbt-core package says it.
- ``DbtCliResource._initialize_dbt_core_adapter(self, args)`` (private) sets up a dbt adapter
  in this process (all macros parsed, 3 s per dbt step), used only by
  ``fetch_row_counts``/``fetch_column_metadata``; the row counts are read after dbt exits
  (``dbt_models``), and without an adapter dagster-dbt skips both (``DbtCliResource.cli``
  logs a warning only if the set-up raises, and passes ``None`` on).

Checked against dagster-dbt 0.29.27 and dbt-core 1.11.16. Imports dagster-dbt at import time
(the resource must subclass it): only the code location imports this module.
"""

from __future__ import annotations

import re
import sys
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging.version import Version

# The dbt installed beside this Python, so that an un-activated virtualenv works too.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


class DbtCli(DbtCliResource):
    """``DbtCliResource`` with the version read from dbt-core's package and no adapter."""

    @cached_property
    def _cli_version(self) -> Version:
        if Path(self.dbt_executable).resolve() != Path(DBT_EXECUTABLE).resolve():
            return super()._cli_version
        return Version(re.match(r"\d+\.\d+\.\d+", version("dbt-core")).group(0))

    def _initialize_dbt_core_adapter(self, args):
        return None
