"""Run-time settings, read from the environment with local defaults.

One object carries every path and knob so that the CLI, the Dagster resources and the
tests agree on where the landing zone, the raw layer and the published warehouse live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEFAULT_HOME = Path(os.environ.get("CARTEIRA_HOME", Path.home() / ".carteira"))
# Out of the box everything points at the demo (`carteira demo`), so reports, `carteira sql`
# and `dagster dev` work right after it; real deployments set CARTEIRA_LANDING/WAREHOUSE.
DEMO_DIR = DEFAULT_HOME / "demo"
DEFAULT_LANDING = DEMO_DIR / "landing"
DEFAULT_WAREHOUSE = DEMO_DIR / "warehouse.duckdb"


def _env_date(name: str) -> date | None:
    value = os.environ.get(name)
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_path: Path
    raw_path: Path
    quarantine_dir: Path
    business_timezone: str = "America/Sao_Paulo"
    as_of: date | None = None
    cancellation_cutoff_hours: int = 2
    duckdb_memory_limit: str = "8GB"
    duckdb_threads: int = 2
    # how long a refresh waits for a reader to close the raw file before giving up (busy)
    raw_lock_wait_seconds: float = 60.0
    extra_vars: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_warehouse(cls, landing_dir: Path, warehouse_path: Path, **kwargs: object) -> Settings:
        """Derive raw-layer and quarantine locations from the published warehouse path.

        The raw layer is history that must survive any failed build, so it lives in its own
        DuckDB file next to the warehouse rather than inside the file that gets replaced.
        """
        warehouse_path = Path(warehouse_path).resolve()
        stem = warehouse_path.stem
        base = cls.from_env()
        return replace(
            base,
            landing_dir=Path(landing_dir).resolve(),
            warehouse_path=warehouse_path,
            raw_path=warehouse_path.with_name(f"{stem}.raw.duckdb"),
            quarantine_dir=warehouse_path.with_name(f"{stem}.quarantine"),
            **kwargs,  # type: ignore[arg-type]
        )

    @classmethod
    def from_env(cls) -> Settings:
        warehouse = Path(os.environ.get("CARTEIRA_WAREHOUSE", DEFAULT_WAREHOUSE))
        stem = warehouse.stem
        return cls(
            landing_dir=Path(os.environ.get("CARTEIRA_LANDING", DEFAULT_LANDING)),
            warehouse_path=warehouse,
            raw_path=Path(
                os.environ.get("CARTEIRA_RAW", warehouse.with_name(f"{stem}.raw.duckdb"))
            ),
            quarantine_dir=Path(
                os.environ.get("CARTEIRA_QUARANTINE", warehouse.with_name(f"{stem}.quarantine"))
            ),
            business_timezone=os.environ.get("CARTEIRA_TIMEZONE", "America/Sao_Paulo"),
            as_of=_env_date("CARTEIRA_AS_OF"),
            cancellation_cutoff_hours=int(
                os.environ.get("CARTEIRA_CANCELLATION_CUTOFF_HOURS", "2")
            ),
            duckdb_memory_limit=os.environ.get("CARTEIRA_DUCKDB_MEMORY_LIMIT", "8GB"),
            duckdb_threads=int(os.environ.get("CARTEIRA_DUCKDB_THREADS", "2")),
            raw_lock_wait_seconds=float(os.environ.get("CARTEIRA_RAW_LOCK_WAIT_SECONDS", "60")),
        )

    def effective_as_of(self) -> date:
        """`as_of` if set, else today in the business time zone (never the machine's zone)."""
        if self.as_of is not None:
            return self.as_of
        return datetime.now(ZoneInfo(self.business_timezone)).date()

    @property
    def build_path(self) -> Path:
        """Where a refresh builds the next warehouse before publishing it by rename."""
        return self.warehouse_path.with_name(self.warehouse_path.name + ".building")

    def dbt_vars(self) -> dict[str, str | int]:
        return {
            "as_of": self.effective_as_of().isoformat(),
            # a warehouse for as_of is built from the extracts dated up to as_of only
            "extracts_through": self.effective_as_of().isoformat(),
            "business_timezone": self.business_timezone,
            "cancellation_cutoff_hours": self.cancellation_cutoff_hours,
            **self.extra_vars,
        }

    def dbt_env(self) -> dict[str, str]:
        """Environment that `dbt_project/profiles.yml` reads."""
        return {
            "CARTEIRA_BUILD_PATH": str(self.build_path),
            "CARTEIRA_RAW_PATH": str(self.raw_path),
            "CARTEIRA_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "CARTEIRA_DUCKDB_THREADS": str(self.duckdb_threads),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
