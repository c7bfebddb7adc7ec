"""A refresh with nothing to do answers at once, without starting the Dagster job.

Run again for the same ``as_of`` with no new delivery (a retry, a second cron line, a
person checking), the refresh job would ingest nothing, plan no build
(``BuildPlan.nothing_to_build``), keep the published file and still spend seconds loading
Dagster, dagster-dbt and dbt and recording an event for every carried-over model. This
module asks the same questions the job's steps ask, with the same functions, and only when
every answer is "nothing" does the job's no-op itself (finish an interrupted publish, drop
a build file a killed run left, let the raw snapshot follow the raw file) and reports it:

- no ``--full-refresh``, a raw layer, and no published build from extracts after
  ``as_of``;
- dbt's manifest no older than the project (else the job parses it again);
- the build plan builds nothing (a published build state, the same ``as_of``, no raw
  rows since that build, the same project, vars and seeds; ``plan_for``);
- no file the ingestion would read (``new_deliveries``: name and sha256 against the
  manifest) and nothing the landing_zone check would list (``unread_entries``);
- with a lake set, nothing for the raw step's lake sync to do (``plan_lake``: raw's
  (table, day, load) against the lake's files): a lake just configured on an existing
  warehouse, or deleted, or holding a load raw no longer has, is brought in step by the job;
- no source late: the job's freshness check would warn and its alerts be sent.

Any other answer returns None and the job runs as always. With nothing new the job has
no Dagster run to show, and the CLI says so ("nothing new ... (no run)").
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from carteira import progress
from carteira.contract import TABLES
from carteira.ingestion.files import scan_deliveries
from carteira.ingestion.lake import LakePlan, plan_lake
from carteira.ingestion.loader import new_deliveries
from carteira.ingestion.unread import unread_entries
from carteira.operations.freshness import refresh_freshness
from carteira.refresh.build_file import discard_build
from carteira.refresh.lock import connect_for_write
from carteira.refresh.manifest import load_manifest, manifest_is_fresh
from carteira.refresh.outcome import RefreshOutcome
from carteira.refresh.plan import plan_for
from carteira.refresh.publish import keep_published, recover_interrupted_publish
from carteira.refresh.state import built_past
from carteira.settings import Settings


@dataclass(frozen=True)
class Verdict:
    """Why the job must run (None: it would do nothing), and what a no-op reports."""

    reason: str | None
    files_seen: int = 0  # every one already loaded
    carried_over: int = 0
    freshness: dict[str, str] = field(default_factory=dict)


def _lake_reason(plan: LakePlan) -> str | None:
    """Why the raw step's lake sync would act, if it would."""
    if plan.errors:
        return f"the lake has {len(plan.errors)} problem(s) the job reports"
    if plan.to_write or plan.remove or plan.temporaries:
        return (
            f"the lake lacks {plan.to_write} file(s) and holds "
            f"{len(plan.remove) + len(plan.temporaries)} it must remove"
        )
    return None


def _landing_reason(settings: Settings) -> tuple[str | None, int]:
    """Why the job's raw or landing_zone step would act on the landing zone or the lake, if
    it would, and how many delivered files it looked at."""
    as_of = settings.effective_as_of()
    unread = unread_entries(settings.landing_dir, as_of)
    if unread:
        return f"the landing zone has {len(unread)} entry(ies) the job lists", 0
    scans = scan_deliveries(settings.landing_dir, TABLES, as_of)
    con = connect_for_write(settings.raw_path, settings.raw_lock_wait_seconds)
    try:
        new = new_deliveries(con, scans)
        lake = plan_lake(con, settings.lake_dir) if settings.lake_dir is not None else None
    except duckdb.CatalogException:  # a raw file without its manifest: the job makes one
        return "the raw layer has no manifest", 0
    finally:
        con.close()
    seen = sum(scan.count for scan in scans)
    if new:
        return f"the landing zone has {len(new)} file(s) to read", seen
    return (_lake_reason(lake) if lake is not None else None), seen


def verdict(settings: Settings) -> Verdict:
    """Whether a refresh with these settings has anything to do (see the module doc).

    Call with the refresh lock held (carteira.refresh.lock), as the job's steps are: like
    the job's dbt step it first finishes a publish a kill interrupted.
    """
    as_of = settings.effective_as_of()
    if settings.full_refresh:
        return Verdict("--full-refresh")
    if not settings.raw_path.exists():
        return Verdict("no raw layer")
    if built_past(settings.warehouse_path, as_of):
        return Verdict(f"the published build holds extracts after {as_of}")
    if not manifest_is_fresh():
        return Verdict("dbt's manifest is older than the project")
    recover_interrupted_publish(settings)
    plan, _ = plan_for(settings, load_manifest(), full_refresh=False)
    if not plan.nothing_to_build:
        return Verdict(f"dbt has {len(plan.build)} model(s) to build ({plan.reason})")
    # last of the questions about input: it hashes every delivered file, which the job's
    # raw step does again, so a daily run (a new as_of: the plan builds) must not pay it
    reason, files_seen = _landing_reason(settings)
    if reason:
        return Verdict(reason)
    freshness, late = refresh_freshness(
        settings.raw_path,
        now=datetime.now(UTC),
        timezone=settings.business_timezone,
        as_of=settings.as_of,
        reference_day=as_of,
    )
    if late:
        return Verdict("a source is late (the job checks and alerts)")
    return Verdict(None, files_seen, len(plan.carried_over), freshness)


def refresh_if_unchanged(settings: Settings) -> RefreshOutcome | None:
    """The outcome of a refresh that had nothing to do, or None when the job must run.

    Call with the refresh lock held. With nothing to do it does what the job's no-op
    does: removes a build file a killed run left and lets the raw snapshot follow the raw
    file; the published warehouse stays as it is, byte for byte.
    """
    started = time.perf_counter()
    found = verdict(settings)
    if found.reason is not None:
        return None
    for i in range(found.files_seen):  # as the raw step reports a table's skipped files
        progress.advance("ingest", "every delivered file already loaded" if i == 0 else None)
    progress.emit("nothing new: same as_of, no file to read, nothing to build")
    discard_build(settings)
    keep_published(settings)
    return RefreshOutcome(
        run_id="",
        success=True,
        published=True,
        warehouse_path=settings.warehouse_path,
        seconds={"check": time.perf_counter() - started},
        models_carried_over=found.carried_over,
        freshness=found.freshness,
        nothing_new=True,
    )
