"""The Dagster internals Carteira relies on, in one place, each with the test that breaks
on the upgrade that changes it (tests/test_definitions.py).

Dagster has no public API for either need below. Both are pinned with Dagster itself
(pyproject.toml: ``dagster>=1.13,<1.14``); an upgrade past the pin must pass those tests
first. The other private use, dagster-dbt's per-run version probe and in-process adapter
that `orchestration.resources.CarteiraDbtCliResource` skips, overrides methods and so
lives on that class, with its own test.
"""

from __future__ import annotations

import logging
from datetime import datetime

# The module that warns once per blocking asset check a step did not report. An
# incremental refresh does not run the dbt tests of carried-over models, by design
# (carteira.refresh.plan): hundreds of such warnings a day, none of them news.
UNREPORTED_CHECK_LOGGER = "dagster._core.execution.plan.active"
UNREPORTED_CHECK_TEXT = "emitted no result"


class _DropUnreportedChecks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return UNREPORTED_CHECK_TEXT not in record.getMessage()


def quiet_unreported_checks() -> None:
    """Drop Dagster's "blocking asset check emitted no result" warnings, and only them:
    every other message of that logger still shows. A dbt test that fails still fails
    the dbt step, so publishing stays gated on every test that ran."""
    logger = logging.getLogger(UNREPORTED_CHECK_LOGGER)
    if not any(isinstance(f, _DropUnreportedChecks) for f in logger.filters):
        logger.addFilter(_DropUnreportedChecks())


def next_cron_tick(cron: str, now: datetime, zone: str) -> datetime:
    """When a Dagster schedule on ``cron`` in ``zone`` fires next after ``now``: Dagster's
    own cron arithmetic (daylight-saving days included), so `carteira status` says when
    the schedule will really run."""
    from dagster._utils.schedules import get_next_cron_tick

    return get_next_cron_tick(cron, now, zone)
