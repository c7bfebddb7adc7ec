"""A warehouse built from generated data by the real pipeline, for the report property tests.

`carteira.generator.generate` writes a `small` landing zone (2 days of extracts: the full
export and one delta), and `orchestration.run.run_refresh` ingests, builds and tests it
and publishes the warehouse, exactly as `carteira refresh` does. Built once per test
session, whichever xdist worker asks first (tests/helpers/shared.py), and shared by the
report property tests, the bi and semantic-layer tests and Superset's (on copies).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.helpers.shared import build_generated, build_once

START = dt.date(2026, 3, 1)
DAYS = 2
AS_OF = START + dt.timedelta(days=DAYS - 1)
SCALE = "small"
SEED = 20260301
# The report periods the property tests use: the month up to as_of.
PERIOD_FROM = dt.date(2026, 2, 1)
PERIOD_TO = AS_OF


def generated_warehouse(base: Path) -> Path:
    """Generate, refresh and publish under `base` (once per session, across workers).

    `base` is the folder every worker of the session shares (`shared_root`); raises if
    nothing was published.
    """
    return build_once(base, "reports_activity_generated", _build)


def _build(work: Path) -> Path:
    return build_generated(work, START, DAYS, SCALE, SEED)
