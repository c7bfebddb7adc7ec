"""What one refresh did, in the words a person at a terminal and `carteira status` read.

Filled by the Dagster job's run (orchestration.run) or, when the refresh had nothing to
do, by carteira.refresh.unchanged without one; both are summarised and recorded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from carteira.exit_codes import ExitCode
from carteira.ingestion.results import describe_problem
from carteira.operations.run_record import RunRecord, write_record
from carteira.settings import Settings


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
    # why each failed step failed, one line each (table and file for an ingestion error)
    errors: list[str] = field(default_factory=list)
    # a step found the raw file held by a reader past the bounded wait
    busy: bool = False
    warnings: list[str] = field(default_factory=list)
    # dbt models (and seeds) built by this run, and those carried over unchanged from the
    # last build because nothing they read changed (carteira.refresh.plan)
    models_built: int = 0
    models_carried_over: int = 0
    # per source system, how late its newest extract is (carteira.operations.freshness), and the
    # summary lines of the late ones ("erp late: last extract 2026-12-03, 3 days")
    freshness: dict[str, str] = field(default_factory=dict)
    freshness_lines: list[str] = field(default_factory=list)
    # nothing was new (carteira.refresh.unchanged): no Dagster run, the published file kept
    nothing_new: bool = False

    @property
    def exit_code(self) -> ExitCode:
        """See carteira.exit_codes: 0 clean, 1 quarantined input, 2 not published, 3 busy."""
        if self.busy and not self.published:
            return ExitCode.COULD_NOT_RUN
        if not self.success or not self.published:
            return ExitCode.NOT_PUBLISHED
        return ExitCode.PUBLISHED_WITH_QUARANTINE if self.quarantine else ExitCode.PUBLISHED

    def summary_lines(self, limit: int = 10) -> list[str]:
        if self.nothing_new:
            head = f"nothing new: published {self.warehouse_path} kept as it is (no run)"
        else:
            head = f"run {self.run_id}: " + (
                "published " + str(self.warehouse_path) if self.published else "NOT published"
            )
        lines = [
            head,
            "time: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items()),
        ]
        if self.models_carried_over:
            lines.append(
                f"dbt: built {self.models_built} of "
                f"{self.models_built + self.models_carried_over} models, the others carried "
                "over unchanged (nothing they read changed)"
            )
        if self.failed_steps:
            lines.append("failed steps: " + ", ".join(self.failed_steps))
            lines += [f"  {e}" for e in self.errors]
        lines += self.warnings
        lines += self.freshness_lines
        if self.failed_checks:
            lines.append(f"failed checks ({len(self.failed_checks)}):")
            lines += [f"  {c}" for c in self.failed_checks[:limit]]
        if self.quarantine:
            lines.append(f"quarantined ({len(self.quarantine)} problem(s)):")
            lines += [f"  {describe_problem(*q)}" for q in self.quarantine[:limit]]
            if len(self.quarantine) > limit:
                more = len(self.quarantine) - limit
                lines.append(f"  ... and {more} more (table raw._quarantine)")
        return lines


def record_outcome(settings: Settings, outcome: RefreshOutcome, started: datetime) -> None:
    """The run record `carteira status` reads (operations.run_record), written atomically."""
    write_record(
        settings.warehouse_path,
        RunRecord(
            run_id=outcome.run_id,
            started_at=started,
            ended_at=datetime.now(UTC),
            exit_code=int(outcome.exit_code),
            as_of=settings.effective_as_of().isoformat(),
            trigger="cli",
            summary=outcome.summary_lines(limit=20),
            freshness=outcome.freshness,
        ),
    )
