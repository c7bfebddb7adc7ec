"""Suite-wide set-up: quiet third parties, and a dbt manifest parsed once.

Tests run on two xdist workers (pyproject addopts). Importing the Dagster definitions
parses the dbt project when its manifest is stale; doing that here, once, in the
controller keeps two workers from writing the same manifest at the same time.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):  # an xdist worker: the controller already did it
        return
    from orchestration.dbt_project import ensure_manifest

    ensure_manifest()
