"""A tiny warehouse of three extract days, built once per test session and shared.

The PostgreSQL modules (portability, publish, visibility) all read the same warehouse:
the generated `tiny` landing zone of 2026-03-02..04 (seed 5) refreshed and published to
as_of 2026-03-04 by `orchestration.run.run_refresh`, exactly as `carteira refresh` does.
Built by whichever xdist worker asks first (tests/helpers/shared.py); the modules only
read it (the DuckDB files are opened read-only; PostgreSQL gets its copies).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from carteira.settings import Settings
from tests.helpers.shared import build_generated, build_once

START = date(2026, 3, 2)
DAYS = 3
AS_OF = START + timedelta(days=DAYS - 1)
SEED = 5


def tiny_warehouse_settings(base: Path) -> Settings:
    """The settings of the shared warehouse under `base` (`shared_root`), built if missing."""
    warehouse = build_once(base, "tiny_three_days", _build)
    return Settings.for_warehouse(warehouse.parent / "landing", warehouse, as_of=AS_OF)


def _build(work: Path) -> Path:
    return build_generated(work, START, DAYS, "tiny", SEED)
