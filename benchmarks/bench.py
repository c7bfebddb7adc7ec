"""End-to-end benchmark: read floor, full refresh, one incremental day, reports, memory.

On one machine in one run:

1. generate a landing zone of `--scale` with `--days` days (kept and reused when the
   folder already holds one: `--landing`);
2. floor: DuckDB reads every extract file of the first `days - 1` days once, with the
   dialect options of the ingestion, into a temp table (no conversion, no history);
3. full refresh of those days (`orchestration.run.run_refresh`: ingest, dbt build with
   tests, publish) into a fresh warehouse, with its split and dbt's per-model timings;
4. one incremental day: the same refresh with `as_of` = the last day (ingestion reads
   only that day's files, incremental models continue from the published state);
5. every report's latency in-process (open the published file read-only, run the
   report's queries), median of `--runs`;
6. peak RSS of the process tree (this process and every child, sampled) per phase;
7. optionally (`--postgres-dsn` or `CARTEIRA_PG_DSN`): the raw layer copied to
   PostgreSQL and the same `dbt build --target postgres`, timed against DuckDB's;
8. the start-up floor: what a refresh pays in fresh processes before any row moves
   (importing the Dagster definitions, a `dbt build` that selects nothing, with the
   refresh's vars and target folder so partial parsing applies), median of 3. Against
   it the incremental target's allowance shows what no model change can reach.

Prints a table and the ratios full/floor and incremental/full, and writes JSON.

    uv run python benchmarks/bench.py --scale medium --workdir /tmp/carteira-bench
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import duckdb
import psutil

from carteira.contract import TABLES
from carteira.ingestion import csv_header, csv_reader_sql, discover_files
from carteira.settings import DBT_PROJECT_DIR, REPO_ROOT, Settings

# The project's speed targets: the ratios are per scale (large is the one the daily refresh of a
# big business meets; medium has a smaller floor, so fixed costs weigh more), the report
# latency and memory hold everywhere. Smaller scales are held to medium's ratios.
TARGETS = {
    "full_over_floor": 4.0,
    "incremental_over_full": 0.10,
    "report_seconds": 1.0,
    "peak_rss_bytes": 8 * 1024**3,
}
SCALE_TARGETS = {
    "large": TARGETS,
    "medium": {**TARGETS, "full_over_floor": 10.0, "incremental_over_full": 0.20},
}


def targets_for(scale: str) -> dict[str, float]:
    return SCALE_TARGETS.get(scale, SCALE_TARGETS["medium"])


# ----------------------------------------------------------------------------- memory


class PeakRss:
    """Samples the RSS of this process and all its descendants; keeps the maximum."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def tree_rss() -> int:
        me = psutil.Process()
        total = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.tree_rss())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self.peak = self.tree_rss()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak = max(self.peak, self.tree_rss())


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    peak_rss: int = 0
    detail: dict[str, Any] = field(default_factory=dict)


@contextmanager
def measured(phases: list[Phase], name: str) -> Iterator[Phase]:
    phase = Phase(name)
    click.echo(f"[bench] {name} ...", err=True)
    with PeakRss() as rss:
        started = time.perf_counter()
        yield phase
        phase.seconds = time.perf_counter() - started
    phase.peak_rss = rss.peak
    phases.append(phase)
    click.echo(f"[bench] {name}: {phase.seconds:.2f}s, peak RSS {_gb(phase.peak_rss)}", err=True)


def _gb(n: int) -> str:
    return f"{n / 1024**3:.2f} GB"


# ----------------------------------------------------------------------------- floor


def read_floor(landing: Path, start: date, end: date, memory_limit: str, threads: int) -> dict:
    """Read every extract file dated start..end once into a temp table, with the ingestion's
    dialect (explicit CSV options, no sniffing, every column as text; JSON Lines records).
    This is the least any load of these files must do."""
    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET threads = {int(threads)}")
    files = rows = size = 0
    started = time.perf_counter()
    for table in TABLES:
        for lf in discover_files(landing, table, as_of=end):
            if lf.extract_date < start:
                continue
            path = str(lf.path).replace("'", "''")
            fmt = table.format
            if fmt.extension == "jsonl":
                source = f"read_json('{path}', format='newline_delimited', records=true)"
            else:
                source = csv_reader_sql(lf.path, table, len(csv_header(lf.path, table)))
            try:
                con.execute(f"CREATE OR REPLACE TEMP TABLE floor_t AS SELECT * FROM {source}")
            except duckdb.Error:
                # an empty JSON Lines delta has no columns to infer: nothing to read
                if lf.path.stat().st_size > 0:
                    raise
                continue
            rows += con.execute("SELECT count(*) FROM floor_t").fetchone()[0]
            files += 1
            size += lf.path.stat().st_size
    seconds = time.perf_counter() - started
    con.close()
    return {"seconds": seconds, "files": files, "rows": rows, "bytes": size}


# ----------------------------------------------------------------------------- refresh


def refresh(settings: Settings, *, same_process: bool = False) -> dict[str, Any]:
    """One refresh, by default in a fresh Python process.

    A scheduled run or `carteira refresh` starts cold every day: it imports Dagster, dbt
    and great-expectations and builds their contexts before any work. Two refreshes in
    this process would let the second (the incremental day) skip all of that, and look
    about 2 s cheaper at medium than a daily refresh is. ``same_process`` keeps the old
    way, to compare with figures measured so (CHANGELOG.md says which).
    """
    if same_process:
        return refresh_here(settings)
    pool = multiprocessing.get_context("spawn").Pool(1)
    try:
        return pool.apply(refresh_here, (settings,))
    finally:
        # let the process end as `carteira refresh` does (leaving the `with` block would
        # terminate it mid-exit and print a KeyboardInterrupt traceback)
        pool.close()
        pool.join()


def _timed_process(args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def startup_floor(settings: Settings, runs: int = 3) -> dict[str, Any]:
    """What a refresh pays in fresh processes before it moves a row, median of ``runs``.

    - ``definitions``: a Python process importing the Dagster definitions (Dagster,
      dagster-dbt and dbt's modules), as every run's process does first;
    - ``dbt_start``: the dbt process the dbt step starts, with the refresh's profile,
      vars and target folder (so its partial parse state), selecting no node;
    - ``great_expectations``: its import, on the validation thread of a day with new
      files; it overlaps the raw step, so it is shown and not added.
    """
    dbt_vars, daily_env = settings.refresh_dbt_vars()
    dbt_env = {**os.environ, **settings.dbt_env(), **daily_env}
    dbt = shutil.which("dbt") or str(Path(sys.executable).parent / "dbt")
    dbt_args = [
        dbt, "build", "--select", "carteira_bench_selects_nothing", "--quiet",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(settings.dbt_target_path),
        "--vars", json.dumps(dbt_vars, sort_keys=True),
    ]  # fmt: skip
    python = [sys.executable, "-c"]
    measured_runs = {
        "definitions": [
            _timed_process([*python, "import orchestration.definitions"], cwd=REPO_ROOT)
            for _ in range(runs)
        ],
        "dbt_start": [
            _timed_process(dbt_args, cwd=DBT_PROJECT_DIR, env=dbt_env) for _ in range(runs)
        ],
        "great_expectations": [
            _timed_process([*python, "import great_expectations"], cwd=REPO_ROOT)
            for _ in range(runs)
        ],
    }
    medians = {name: statistics.median(values) for name, values in measured_runs.items()}
    return {**medians, "seconds": medians["definitions"] + medians["dbt_start"]}


def refresh_here(settings: Settings) -> dict[str, Any]:
    """``run_refresh`` in this process, its split and dbt's per-node timings."""
    from orchestration.run import run_refresh

    outcome = run_refresh(settings)
    if not outcome.published:
        raise click.ClickException(
            "refresh did not publish:\n" + "\n".join(outcome.summary_lines())
        )
    return {
        "run_id": outcome.run_id,
        "split": dict(outcome.seconds),
        "exit_code": outcome.exit_code,
        "models": dbt_model_timings_at(settings.dbt_target_path),
    }


def dbt_model_timings_at(target_path: Path) -> list[dict[str, Any]]:
    """Per-node execution time from `<target_path>/run_results.json`, slowest first."""
    path = target_path / "run_results.json"
    if not path.exists():
        return []
    results = json.loads(path.read_text())["results"]
    timings = [
        {
            "node": r["unique_id"],
            "seconds": round(float(r.get("execution_time") or 0.0), 3),
            "status": r.get("status"),
            "rows": (r.get("adapter_response") or {}).get("rows_affected"),
        }
        for r in results
    ]
    return sorted(timings, key=lambda t: t["seconds"], reverse=True)


def layer_totals(models: list[dict[str, Any]]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for m in models:
        kind, _, name = m["node"].split(".", 2)
        if kind == "model":
            key = "model:" + (name.split("_", 1)[0] if "_" in name else name)
        else:
            key = kind
        totals[key] = round(totals.get(key, 0.0) + m["seconds"], 2)
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


# ----------------------------------------------------------------------------- reports


def report_cases(warehouse: Path) -> dict[str, Callable[[], object]]:
    """Every report of docs/contract/reports.md, with warehouse-derived parameters."""
    from carteira.reports.activity import activity_clients, activity_occupancy
    from carteira.reports.customer import client_card, customer_history, negotiation
    from carteira.reports.engine import connect, warehouse_as_of
    from carteira.reports.portfolio import portfolio_report
    from carteira.reports.telesales import telesales

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        as_of = warehouse_as_of(con)
        # the busiest client (most titles) and the biggest agreement: worst cases
        client = con.execute(
            "select client_key from marts.fct_receivables where client_key is not null "
            "group by 1 order by count(*) desc, 1 limit 1"
        ).fetchone()[0]
        nego = con.execute(
            "select negotiation_id from marts.fct_receivables where negotiation_id is not null "
            "group by 1 order by count(*) desc, 1 limit 1"
        ).fetchone()
        booker = con.execute(
            "select client_key from marts.fct_bookings where client_key is not null "
            "group by 1 order by count(*) desc, 1 limit 1"
        ).fetchone()
    finally:
        con.close()
    month_start = as_of.replace(day=1)
    period = (as_of - timedelta(days=29), as_of)

    def with_con(fn: Callable[[duckdb.DuckDBPyConnection], object]) -> Callable[[], object]:
        def run() -> object:
            with connect(warehouse) as c:
                return fn(c)

        return run

    cases: dict[str, Callable[[], object]] = {
        "activity-clients": with_con(lambda c: activity_clients(c, *period)),
        "activity-occupancy": with_con(lambda c: activity_occupancy(c, *period)),
        "telesales (client owner)": with_con(lambda c: telesales(c, month_start, as_of)),
        "telesales (opportunity owner)": with_con(
            lambda c: telesales(c, month_start, as_of, mode="opportunity_owner")
        ),
        "customer-history": with_con(lambda c: customer_history(c, client)),
        "client-card": with_con(lambda c: client_card(c, client)),
        "portfolio (all)": with_con(lambda c: portfolio_report(c)),
        "portfolio view no-contract-this-month": with_con(
            lambda c: portfolio_report(c, view_name="no-contract-this-month")
        ),
        "portfolio view contract-status-this-year": with_con(
            lambda c: portfolio_report(c, view_name="contract-status-this-year")
        ),
    }
    if booker is not None:
        cases["activity-clients drill-down"] = with_con(
            lambda c: activity_clients(c, *period, client=booker[0])
        )
    if nego is not None:
        cases["negotiation"] = with_con(lambda c: negotiation(c, int(nego[0])))
    return cases


def time_reports(warehouse: Path, runs: int) -> dict[str, dict[str, float]]:
    out = {}
    for name, run in report_cases(warehouse).items():
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            run()
            samples.append(time.perf_counter() - started)
        out[name] = {
            "median": statistics.median(samples),
            "min": min(samples),
            "max": max(samples),
        }
    return out


# ----------------------------------------------------------------------------- postgres


def postgres_build(settings: Settings, dsn: str) -> dict[str, Any]:
    from carteira.serving.postgres.sync import dbt_build_postgres, sync_raw

    started = time.perf_counter()
    copied = sync_raw(settings.raw_path, dsn)
    sync_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = dbt_build_postgres(settings, dsn)
    build_seconds = time.perf_counter() - started
    if not result.success:
        # Reported, not fatal: the DuckDB numbers of the run are still worth having.
        click.echo(f"[bench] dbt build --target postgres FAILED:\n{result.message}", err=True)
    return {
        "sync_seconds": sync_seconds,
        "rows_copied": copied,
        "dbt_seconds": build_seconds,
        "dbt_success": result.success,
        "dbt_models": dbt_model_timings_at(result.target_path),
    }


# ----------------------------------------------------------------------------- main


def machine() -> dict[str, Any]:
    meminfo = (
        Path("/proc/meminfo").read_text().splitlines() if Path("/proc/meminfo").exists() else []
    )
    mem_kb = next((int(x.split()[1]) for x in meminfo if x.startswith("MemTotal:")), 0)
    cpu = ""
    if Path("/proc/cpuinfo").exists():
        cpu = next(
            (
                x.split(":", 1)[1].strip()
                for x in Path("/proc/cpuinfo").read_text().splitlines()
                if x.startswith("model name")
            ),
            "",
        )
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024**2, 1),
        "cpu": cpu,
        "load_avg_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "date": datetime.now().isoformat(timespec="seconds"),
    }


@click.command()
@click.option("--scale", type=click.Choice(["tiny", "small", "medium", "large"]), default="small")
@click.option(
    "--days",
    type=click.IntRange(min=2),
    default=8,
    show_default=True,
    help="Days generated; the full refresh reads days-1, the incremental the last.",
)
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default="2026-11-14", show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option(
    "--workdir",
    type=click.Path(path_type=Path),
    default=Path("/tmp/carteira-bench"),
    show_default=True,
    help="<workdir>/<scale>/ holds landing and warehouse.",
)
@click.option("--memory-limit", default=None, help="DuckDB memory_limit (default: settings).")
@click.option("--threads", type=int, default=None, help="DuckDB threads (default: settings).")
@click.option("--runs", type=int, default=5, show_default=True, help="Report runs (median).")
@click.option(
    "--postgres-dsn",
    envvar="CARTEIRA_PG_DSN",
    default=None,
    help="Also build the same models on this PostgreSQL database.",
)
@click.option("--no-postgres", is_flag=True, help="Ignore CARTEIRA_PG_DSN.")
@click.option(
    "--same-process",
    is_flag=True,
    help="Run both refreshes in this process (warm imports; how runs before 2026-11-29 "
    "measured) instead of one fresh process each.",
)
@click.option(
    "--json-out",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the JSON (default <workdir>/<scale>/bench.json).",
)
def main(
    scale: str,
    days: int,
    start: datetime,
    seed: int,
    workdir: Path,
    memory_limit: str | None,
    threads: int | None,
    runs: int,
    postgres_dsn: str | None,
    no_postgres: bool,
    same_process: bool,
    json_out: Path | None,
) -> None:
    """Benchmark one scale end to end and compare it with the read floor."""
    from carteira.generator import generate

    for var in ("DBT_SEND_ANONYMOUS_USAGE_STATS", "GX_ANALYTICS_ENABLED"):
        os.environ.setdefault(var, "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    base = workdir / scale
    landing = base / "landing"
    first, last = start.date(), start.date() + timedelta(days=days - 1)
    full_as_of = last - timedelta(days=1)
    phases: list[Phase] = []
    report: dict[str, Any] = {
        "scale": scale,
        "days": days,
        "start": first.isoformat(),
        "machine": machine(),
        "refresh_process": "same" if same_process else "fresh per refresh",
    }

    if not (landing / ".generated").exists() or (landing / ".generated").read_text().strip() != (
        f"{scale} {first} {days} {seed}"
    ):
        shutil.rmtree(landing, ignore_errors=True)
        with measured(phases, "generate") as ph:
            stats = generate(landing, first, days, scale, seed)
            ph.detail = {"files": stats.files_written, "rows": stats.total_rows}
        (landing / ".generated").write_text(f"{scale} {first} {days} {seed}")

    settings = Settings.for_warehouse(landing, base / "warehouse.duckdb", as_of=full_as_of)
    overrides: dict[str, Any] = {}
    if memory_limit:
        overrides["duckdb_memory_limit"] = memory_limit
    if threads:
        overrides["duckdb_threads"] = threads
    if overrides:
        settings = replace(settings, **overrides)
    report["duckdb"] = {
        "memory_limit": settings.duckdb_memory_limit,
        "threads": settings.duckdb_threads,
    }
    for p in (settings.warehouse_path, settings.raw_path, settings.build_path):
        p.unlink(missing_ok=True)
    shutil.rmtree(settings.quarantine_dir, ignore_errors=True)

    with measured(phases, "floor (full window)") as ph:
        ph.detail = read_floor(
            landing, first, full_as_of, settings.duckdb_memory_limit, settings.duckdb_threads
        )
    ph.seconds = ph.detail["seconds"]
    with measured(phases, "floor (incremental day)") as ph:
        ph.detail = read_floor(
            landing, last, last, settings.duckdb_memory_limit, settings.duckdb_threads
        )
    ph.seconds = ph.detail["seconds"]

    with measured(phases, "full refresh") as ph:
        ph.detail = refresh(settings, same_process=same_process)
    full = ph
    if postgres_dsn and not no_postgres:
        # the same raw rows and as_of as the DuckDB full refresh: like for like
        with measured(phases, "postgres (sync raw + dbt build)") as ph:
            ph.detail = postgres_build(settings, postgres_dsn)

    with measured(phases, "incremental day") as ph:
        ph.detail = refresh(replace(settings, as_of=last), same_process=same_process)
    incremental = ph

    with measured(phases, "reports") as ph:
        reports = time_reports(settings.warehouse_path, runs)
        ph.detail = {"count": len(reports)}
    report["reports"] = reports

    with measured(phases, "start-up floor (fresh processes)") as ph:
        ph.detail = startup_floor(replace(settings, as_of=last))
    ph.seconds = ph.detail["seconds"]
    startup = ph

    floor = phases[[p.name for p in phases].index("floor (full window)")]
    ratios = {
        "full_over_floor": full.seconds / floor.seconds,
        "incremental_over_full": incremental.seconds / full.seconds,
        "max_report_seconds": max(r["median"] for r in reports.values()),
        "peak_rss_bytes": max(p.peak_rss for p in phases if p.name != "generate"),
        "startup_floor_over_full": startup.seconds / full.seconds,
    }
    pg = next((p for p in phases if p.name.startswith("postgres")), None)
    if pg is not None:
        ratios["postgres_dbt_over_duckdb_dbt"] = (
            pg.detail["dbt_seconds"] / full.detail["split"]["dbt"]
        )
    report["phases"] = [p.__dict__ for p in phases]
    report["ratios"] = ratios
    report["targets"] = targets_for(scale)
    report["layer_seconds"] = {
        "full": layer_totals(full.detail["models"]),
        "incremental": layer_totals(incremental.detail["models"]),
    }
    report["rows"] = {"raw_full_window": floor.detail["rows"]}

    _print(report, phases, full, incremental)
    out = json_out or base / "bench.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    click.echo(f"\nJSON written to {out}")


def _print(report: dict[str, Any], phases: list[Phase], full: Phase, inc: Phase) -> None:
    m = report["machine"]
    click.echo(
        f"\nscale {report['scale']}, {report['days'] - 1} days full + 1 incremental; "
        f"{m['cores']} cores, {m['memory_gb']} GB, duckdb {m['duckdb']}, "
        f"memory_limit {report['duckdb']['memory_limit']}, "
        f"threads {report['duckdb']['threads']}; refreshes: {report['refresh_process']} process"
    )
    click.echo(f"raw rows in the full window: {report['rows']['raw_full_window']:,}\n")
    click.echo(f"| {'phase':<34} | {'seconds':>9} | {'peak RSS':>9} | detail")
    click.echo(f"|{'-' * 36}|{'-' * 11}|{'-' * 11}|-------")
    for p in phases:
        detail = ""
        if "split" in p.detail:
            detail = ", ".join(f"{k} {v:.1f}s" for k, v in p.detail["split"].items())
        elif "files" in p.detail:
            detail = f"{p.detail['files']} files, {p.detail['rows']:,} rows"
        elif "dbt_start" in p.detail:
            detail = (
                f"definitions {p.detail['definitions']:.1f}s + dbt start "
                f"{p.detail['dbt_start']:.1f}s (great-expectations import "
                f"{p.detail['great_expectations']:.1f}s, overlapped)"
            )
        elif "dbt_seconds" in p.detail:
            detail = f"sync {p.detail['sync_seconds']:.1f}s, dbt {p.detail['dbt_seconds']:.1f}s"
            detail += "" if p.detail["dbt_success"] else " (dbt build FAILED)"
        click.echo(f"| {p.name:<34} | {p.seconds:>9.2f} | {_gb(p.peak_rss):>9} | {detail}")
    click.echo(f"\n| {'report (median of runs)':<44} | {'seconds':>8} |")
    click.echo(f"|{'-' * 46}|{'-' * 10}|")
    for name, r in report["reports"].items():
        click.echo(f"| {name:<44} | {r['median']:>8.3f} |")
    r = report["ratios"]
    t = report["targets"]

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    click.echo("")
    click.echo(
        f"full / floor        = {r['full_over_floor']:.2f}  (target <= "
        f"{t['full_over_floor']})  {verdict(r['full_over_floor'] <= t['full_over_floor'])}"
    )
    click.echo(
        f"incremental / full  = {r['incremental_over_full']:.3f} (target <= "
        f"{t['incremental_over_full']})  "
        f"{verdict(r['incremental_over_full'] <= t['incremental_over_full'])}"
    )
    click.echo(
        f"start-up / full     = {r['startup_floor_over_full']:.3f} (what any refresh pays "
        "before a row moves, against the full refresh)"
    )
    click.echo(
        f"slowest report      = {r['max_report_seconds']:.3f}s (target < 1s)  "
        f"{verdict(r['max_report_seconds'] < t['report_seconds'])}"
    )
    click.echo(
        f"peak RSS            = {_gb(r['peak_rss_bytes'])} (target < 8 GB)  "
        f"{verdict(r['peak_rss_bytes'] < t['peak_rss_bytes'])}"
    )
    if "postgres_dbt_over_duckdb_dbt" in r:
        click.echo(
            f"dbt build postgres / duckdb (full, same raw rows) = "
            f"{r['postgres_dbt_over_duckdb_dbt']:.2f}"
        )
    for label, ph in (("full", full), ("incremental", inc)):
        click.echo(f"\nslowest dbt nodes ({label}):")
        for node in ph.detail["models"][:8]:
            click.echo(f"  {node['seconds']:>7.2f}s  {node['node']}")


if __name__ == "__main__":
    sys.exit(main())
