"""`carteira spark up|stop|status`: a local standalone Spark cluster (docs/scale-out.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from carteira.exit_codes import ExitCode
from carteira.settings import Settings


def _home(given: Path | None) -> Path:
    """The cluster's folder: --home, else `<warehouse stem>.spark` beside the warehouse
    (as Superset keeps `<warehouse stem>.superset`)."""
    if given is not None:
        return given
    warehouse = Settings.from_env().warehouse_path
    return warehouse.with_name(warehouse.stem + ".spark")


_HOME = click.option(
    "--home",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder of the cluster's state, logs, metastore and tables "
    "(default: <warehouse stem>.spark beside CARTEIRA_WAREHOUSE).",
)


@click.group()
def spark() -> None:
    """A local standalone Apache Spark cluster with a Thrift server, on 127.0.0.1."""


@spark.command()
@_HOME
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True)
@click.option(
    "--worker-cores", type=click.IntRange(1), default=1, show_default=True, help="Cores per worker."
)
@click.option(
    "--worker-memory",
    default="1g",
    show_default=True,
    help="Memory per worker (Spark's size syntax: 512m, 2g); one executor of that size each.",
)
@click.option(
    "--master-port", type=click.IntRange(0, 65535), default=0, help="Default: a free port."
)
@click.option(
    "--thrift-port", type=click.IntRange(0, 65535), default=0, help="Default: a free port."
)
def up(
    home: Path | None,
    workers: int,
    worker_cores: int,
    worker_memory: str,
    master_port: int,
    thrift_port: int,
) -> None:
    """Start a master, N workers and the Thrift server; report it if already running.

    Returns when the master lists every worker ALIVE and the Thrift server answers a
    query. Exit status: 0 up; 2 a process failed or the cluster was not ready in time
    (the message names the log); 3 could not run (no Java, no pyspark, port taken).
    """
    from carteira.spark import cluster
    from carteira.spark.launch import Sizing

    sizing = Sizing(workers=workers, cores=worker_cores, memory=worker_memory)
    cluster.up(_home(home), sizing, master_port, thrift_port, echo=click.echo)


@spark.command()
@_HOME
def stop(home: Path | None) -> None:
    """Stop every process `up` started (and nothing else)."""
    from carteira.spark import cluster

    folder = _home(home)
    if cluster.stop(folder, echo=click.echo):
        click.echo(f"Spark cluster in {folder} stopped")
    else:
        click.echo(f"no Spark cluster was running in {folder}")


@spark.command()
@_HOME
def status(home: Path | None) -> None:
    """Master URL, workers, the Thrift endpoint and the running application.

    Exit status: 0 running; 2 not running, or some of its processes stopped.
    """
    from carteira.spark import cluster

    running, lines = cluster.status(_home(home))
    for line in lines:
        click.echo(line)
    sys.exit(int(ExitCode.PUBLISHED if running else ExitCode.NOT_PUBLISHED))
