"""Run the refresh job in-process and summarise it for a person at a terminal.

The CLI and the tests go through the very job the daily schedule runs, so there is one
code path from landing files to the published warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from dagster import AssetKey, AssetSelection, DagsterInstance

from carteira.ingestion.loader import raw_schema
from carteira.settings import Settings

PUBLISHED_KEY = AssetKey(["published_warehouse"])


@dataclass
class RefreshOutcome:
    run_id: str
    success: bool
    published: bool
    warehouse_path: Path
    quarantine: list[tuple[str, int | None, str | None, str]] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """0 all good; 1 published but something was quarantined; 2 not published."""
        if not self.success or not self.published:
            return 2
        return 1 if self.quarantine else 0

    def summary_lines(self, limit: int = 10) -> list[str]:
        lines = [
            f"run {self.run_id}: "
            + ("published " + str(self.warehouse_path) if self.published else "NOT published"),
            "time: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items()),
        ]
        if self.failed_steps:
            lines.append("failed steps: " + ", ".join(self.failed_steps))
        if self.failed_checks:
            lines.append(f"failed checks ({len(self.failed_checks)}):")
            lines += [f"  {c}" for c in self.failed_checks[:limit]]
        if self.quarantine:
            lines.append(f"quarantined ({len(self.quarantine)} problem(s)):")
            for file_name, row, column, reason in self.quarantine[:limit]:
                where = file_name + (f" row {row}" if row is not None else "")
                where += f" column {column}" if column else ""
                lines.append(f"  {where}: {reason}")
            if len(self.quarantine) > limit:
                more = len(self.quarantine) - limit
                lines.append(f"  ... and {more} more (table raw._quarantine)")
        return lines


def _step_layer(step_key: str) -> str:
    if step_key.startswith("raw"):
        return "ingest"
    if step_key.startswith("published"):
        return "publish"
    return "dbt"


def run_refresh(settings: Settings, *, raw_only: bool = False) -> RefreshOutcome:
    """Execute the refresh job for these settings and report what happened."""
    from orchestration.definitions import build_definitions

    defs = build_definitions(settings)
    job = defs.resolve_job_def("refresh")
    instance = DagsterInstance.ephemeral()
    selection = AssetSelection.groups("raw") if raw_only else None
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        asset_selection=list(selection.resolve(defs.resolve_asset_graph())) if selection else None,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    seconds: dict[str, float] = {"ingest": 0.0, "dbt": 0.0, "publish": 0.0}
    failed_steps = []
    for stat in instance.get_run_step_stats(result.run_id):
        if stat.start_time and stat.end_time:
            seconds[_step_layer(stat.step_key)] += stat.end_time - stat.start_time
        if stat.status and stat.status.value == "FAILURE":
            failed_steps.append(stat.step_key)
    failed_checks = [
        f"{'/'.join(e.asset_key.path)}: {e.check_name}"
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    published = not raw_only and any(
        ev.asset_key == PUBLISHED_KEY for ev in result.get_asset_materialization_events()
    )
    return RefreshOutcome(
        run_id=result.run_id,
        success=result.success,
        published=published or (raw_only and result.success),
        warehouse_path=settings.warehouse_path if not raw_only else settings.raw_path,
        quarantine=_quarantine_for(settings.raw_path, result.run_id),
        failed_checks=failed_checks,
        failed_steps=failed_steps,
        seconds={k: v for k, v in seconds.items() if v or k == "ingest"},
    )


def _quarantine_for(raw_path: Path, load_id: str) -> list[tuple[str, int | None, str | None, str]]:
    if not raw_path.exists():
        return []
    con = duckdb.connect(str(raw_path), read_only=True)
    try:
        return [
            tuple(r)  # type: ignore[misc]
            for r in con.execute(
                "select file_name, row_number, column_name, reason "
                f"from {raw_schema(con)}._quarantine where load_id = ? "
                "order by file_name, row_number nulls first, column_name",
                [load_id],
            ).fetchall()
        ]
    except duckdb.CatalogException:
        return []
    finally:
        con.close()
