"""The `carteira` command."""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path

import click

from carteira import progress
from carteira.cli.options import as_of_option, warehouse_option
from carteira.exit_codes import CarteiraError, CouldNotRun, ExitCode
from carteira.settings import Settings

SCALES = ("tiny", "small", "medium", "large")


def _quiet_third_parties() -> None:
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")


class _CarteiraGroup(click.Group):
    """Expected failures print one message and exit with their code (carteira.exit_codes).

    A traceback is for the developer, not the operator: it is shown only with `--debug`
    (or CARTEIRA_DEBUG=1). An unexpected error exits NOT_PUBLISHED (2), never 1.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except CarteiraError as exc:
            _fail(ctx, exc, exc.exit_code, str(exc))
        except Exception as exc:
            _fail(
                ctx, exc, ExitCode.NOT_PUBLISHED, f"unexpected error: {type(exc).__name__}: {exc}"
            )
        return None


def _fail(ctx: click.Context, exc: BaseException, code: ExitCode, message: str) -> None:
    if ctx.params.get("debug"):
        traceback.print_exception(exc, file=sys.stderr)
    else:
        message += "\n(run with --debug to see the traceback)" if code == 2 else ""
    click.echo(f"carteira: {message}", err=True)
    ctx.exit(int(code))


class _RunCommand(click.Command):
    """A command of the 0/1/2/3 protocol: bad arguments mean "could not run" (3)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            exc.exit_code = int(ExitCode.COULD_NOT_RUN)
            raise


@click.group(cls=_CarteiraGroup)
@click.version_option(package_name="carteira")
@click.option(
    "--debug",
    is_flag=True,
    envvar="CARTEIRA_DEBUG",
    help="Show the traceback of a failure (otherwise one message and the exit code).",
)
def main(debug: bool) -> None:
    """Carteira: one warehouse for every system your clients live in.

    Exit codes: 0 success (published clean); 1 published, but some input was quarantined;
    2 not published / failed; 3 could not run (busy, bad arguments, missing tool).
    """
    _quiet_third_parties()


verbose_option = click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="A line per file and per dbt node instead of one progress bar per phase.",
)


def _report_progress(verbose: bool) -> None:
    """Show progress on stderr until the command ends (then stop, for whoever runs next)."""
    progress.configure(verbose=verbose)
    click.get_current_context().call_on_close(progress.reset)


@main.command()
@click.option(
    "--landing",
    type=click.Path(path_type=Path),
    required=True,
    help="Landing-zone folder to write.",
)
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="Extraction date of day 1 (the full export).",
)
@click.option("--days", type=click.IntRange(min=1), default=7, show_default=True)
@click.option("--scale", type=click.Choice(SCALES), default="small", show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@verbose_option
def generate(landing: Path, start: object, days: int, scale: str, seed: int, verbose: bool) -> None:
    """Write a synthetic landing zone that follows the source contract exactly."""
    from carteira.generator import generate as run_generate

    _report_progress(verbose)
    stats = run_generate(
        landing,
        start.date(),
        days,
        scale,
        seed,  # type: ignore[attr-defined]
        progress=progress.emit,
    )
    click.echo(
        f"wrote {stats.files_written} files, {stats.total_rows:,} rows to {landing} "
        f"in {stats.seconds:.1f}s"
    )


def _refresh(settings: Settings, raw_only: bool) -> int:
    # The refresh lock first, before the heavy imports (Dagster, dbt, great-expectations
    # take seconds) and before any progress line: a second refresh is refused at once,
    # with one line naming the holder (carteira.refresh.lock). Held until the command ends;
    # run_refresh takes it again re-entrantly.
    from carteira.refresh.lock import refresh_lock

    click.get_current_context().with_resource(refresh_lock(settings.warehouse_path))
    from carteira.contract import TABLES
    from carteira.ingestion.files import count_deliveries
    from orchestration import run

    started = time.perf_counter()
    debug = bool(click.get_current_context().find_root().params.get("debug"))
    # what cannot run is refused before the first progress line (exit 3, one line)
    run.check_can_run(settings, raw_only=raw_only)
    run.check_raw_writable(settings)
    run_refresh = run.run_refresh
    # the files the raw step will read: those dated up to the as_of it cuts at (today in
    # the business time zone when none is given), so a 2099 delivery is not counted
    progress.start(
        "ingest", count_deliveries(settings.landing_dir, TABLES, settings.effective_as_of())
    )
    try:
        outcome = run_refresh(settings, raw_only=raw_only, debug=debug)
    finally:
        progress.close()
    for line in outcome.summary_lines():
        click.echo(line, err=outcome.exit_code != 0)
    click.echo(f"total {time.perf_counter() - started:.1f}s", err=outcome.exit_code != 0)
    return outcome.exit_code


@main.command(cls=_RunCommand)
@click.option(
    "--landing",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Landing zone with <system>/<table>/<table>_<YYYYMMDD>.<ext> (default: CARTEIRA_LANDING).",
)
@warehouse_option("Published warehouse file; the raw layer is kept beside it (*.raw.duckdb)")
@as_of_option(
    "Date the warehouse describes, and the last extract date read "
    "(default: today in the business time zone)."
)
@click.option("--raw-only", is_flag=True, help="Only ingest into the raw layer; skip dbt.")
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Rebuild every model from the whole raw layer, incremental ones too, instead of "
    "continuing from the published warehouse.",
)
@verbose_option
def refresh(
    landing: Path | None,
    warehouse: Path | None,
    as_of: object,
    raw_only: bool,
    full_refresh: bool,
    verbose: bool,
) -> None:
    """Ingest what is new, build and test the warehouse, publish it.

    Exit status: 0 published cleanly; 1 published, but some input was quarantined;
    2 not published (a step or an error-severity check failed); 3 could not run (another
    refresh holds the warehouse, a reader holds the raw file, bad arguments, no dbt).
    """
    _report_progress(verbose)
    settings = Settings.from_env(
        landing_dir=landing,
        warehouse_path=warehouse,
        as_of=as_of.date() if as_of else None,  # type: ignore[attr-defined]
        full_refresh=full_refresh,
    )
    settings.require_landing()
    sys.exit(_refresh(settings, raw_only))


@main.command(cls=_RunCommand)
@click.option(
    "--home",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the demo landing zone and warehouse (default: $CARTEIRA_HOME/demo, "
    "i.e. ~/.carteira/demo).",
)
@click.option("--scale", type=click.Choice(SCALES), default="small", show_default=True)
@click.option("--days", type=click.IntRange(min=1), default=7, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@verbose_option
def demo(home: Path | None, scale: str, days: int, seed: int, verbose: bool) -> None:
    """Generate a demo landing zone and build the warehouse from it."""
    import shutil
    from datetime import timedelta

    from carteira.generator import generate as run_generate

    _report_progress(verbose)
    env = Settings.from_env()
    home = home or env.demo_dir
    as_of = env.effective_as_of()
    start = as_of - timedelta(days=days - 1)
    landing = home / "landing"
    if home.exists():
        shutil.rmtree(home)
    click.echo(f"generating a {scale} landing zone ({days} days up to {as_of}) in {landing}")
    stats = run_generate(landing, start, days, scale, seed, progress=progress.emit)
    click.echo(
        f"wrote {stats.files_written} files, {stats.total_rows:,} rows in {stats.seconds:.1f}s"
    )
    settings = Settings.for_warehouse(landing, home / "warehouse.duckdb", as_of=as_of)
    code = _refresh(settings, raw_only=False)
    click.echo(
        "\nThe warehouse is " + str(settings.warehouse_path) + "\nLook at it with:\n"
        f"  carteira sql --warehouse {settings.warehouse_path} "
        '"select * from marts.dim_client limit 10"\n'
        "  or any DuckDB client / BI tool opening that file read-only "
        "(served schemas: bi for report datasets, marts; docs/bi.md),\n"
        f"  or the dashboards: carteira superset up --warehouse {settings.warehouse_path}\n"
        f"Raw history: {settings.raw_path}  Quarantine: {settings.quarantine_dir}"
    )
    sys.exit(code)


@main.command(cls=_RunCommand)
@warehouse_option("Published warehouse file.", exists=True, resolved=True)
@click.argument("query")
def sql(warehouse: Path, query: str) -> None:
    """Run a read-only SQL query against a published warehouse and print the result.

    The query sees the warehouse and nothing else: it cannot write or read other files
    (COPY ... TO, read_csv/read_text of a path, ATTACH), load extensions or change that
    with SET (carteira.read_only).
    """
    import duckdb

    from carteira.read_only import connect_read_only

    try:
        con = connect_read_only(warehouse)
    except duckdb.Error as exc:
        raise CouldNotRun(f"cannot open {warehouse} as a DuckDB warehouse: {exc}") from exc
    try:
        con.sql(query).show(max_rows=200)
    except duckdb.Error as exc:
        raise CarteiraError(f"query failed: {exc}") from exc
    finally:
        con.close()


@main.command(
    context_settings={"ignore_unknown_options": True, "help_option_names": []},
)
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED)
def dbt(dbt_args: tuple[str, ...]) -> None:
    """Run dbt on a development copy of the warehouse (docs/extending.md).

    Any dbt command and arguments, e.g. `carteira dbt build -s +my_model` or
    `carteira dbt docs generate`. Builds go to <warehouse>.dev.duckdb, a copy of the
    published warehouse (the demo's by default) reading its raw layer read-only; the
    published file is never written. Exit status: dbt's, or 3 when the demo is missing
    or older than the contract (the message says what to run).
    """
    from carteira.devtools.dev_dbt import run_dev_dbt

    sys.exit(run_dev_dbt(list(dbt_args)))


def _add_report_commands() -> None:
    from carteira.cli.postgres import publish_postgres_command
    from carteira.cli.reports import report
    from carteira.cli.spark import spark
    from carteira.cli.status import status_command
    from carteira.cli.superset import superset
    from carteira.cli.views import VIEWS_GROUP

    main.add_command(report)
    main.add_command(VIEWS_GROUP)
    main.add_command(superset)
    main.add_command(spark)
    main.add_command(publish_postgres_command)
    main.add_command(status_command)


_add_report_commands()

if __name__ == "__main__":
    main()
