"""Suite-wide set-up: quiet third parties, the test layers, a dbt manifest parsed once.

Layers (tests/helpers/layers.py): a test that builds a warehouse, runs dbt, starts a
process of the project or needs PostgreSQL is marked `integration` from its own code and
its fixtures' code; every other test runs under a guard that fails it if it does such work
anyway. `uv run pytest -m "not integration"` is the fast layer.

Tests run on two xdist workers (pyproject addopts). Importing the Dagster definitions
parses the dbt project when its manifest is stale; doing that here, once, in the
controller keeps two workers from writing the same manifest at the same time; the fast
layer needs it too (unit tests of the Dagster definitions read it), and it is free when
no dbt file changed since the last parse.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.helpers.layers import guarded, is_integration
from tests.helpers.shared import shared_root, written_to

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "integration: builds a warehouse, runs dbt, starts a process or needs a server "
        "(set from the test's code by tests/helpers/layers.py)",
    )
    if hasattr(config, "workerinput"):  # an xdist worker: the controller already did it
        return
    from orchestration.dbt_project import ensure_manifest

    ensure_manifest()


# The modules that hold a worker longest (a Superset server and a browser, the daemon, the
# chaos kills), started first so the two xdist workers finish together. Only a scheduling
# hint: a module missing here runs all the same, just later.
LONGEST_FIRST = (
    "test_superset.py",
    "test_chaos_refresh.py",
    "test_daemon.py",
    "test_superset_logins.py",
    "test_superset_users.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    integration_modules = set()
    for item in items:
        if not item.get_closest_marker("integration") and is_integration(item):
            item.add_marker(pytest.mark.integration)
        if item.get_closest_marker("integration"):
            integration_modules.add(item.path)

    # --dist loadfile hands out whole modules in this order (--no-loadscope-reorder):
    # the longest first, then the other integration modules, then the unit modules,
    # whose many short tests fill the end of both workers evenly.
    def weight(item: pytest.Item) -> tuple[int, int]:
        name = item.path.name
        hint = LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
        return hint, item.path not in integration_modules

    items.sort(key=weight)  # stable: tests keep their order inside a module


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    if item.get_closest_marker("integration"):
        return (yield)
    with guarded():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    if item.get_closest_marker("integration"):
        return (yield)
    with guarded():
        return (yield)


@pytest.fixture(scope="session", autouse=True)
def _shared_warehouses_stay_as_built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A warehouse shared by the session (tests/helpers/shared.py) is only ever read."""
    yield
    changed = written_to(shared_root(tmp_path_factory))
    assert not changed, f"a test wrote to a shared warehouse (use a copy): {changed}"
