"""`carteira spark up|stop|status`: the local cluster's life, recorded in its home folder.

`up` starts the master, the workers and the Thrift server (carteira.spark.launch), writes
every process to `cluster.json` as soon as it is started (so `stop` finds even a
half-started cluster), and returns only when the master lists every worker ALIVE, the
Thrift server answers a query through PyHive (the driver of dbt-spark's `method: thrift`)
and its application holds the cores of every worker. `stop` signals only processes it
recognises as the ones it started (carteira.spark.processes). One `up` or `stop` at a time
per home folder (a lock file).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from carteira.exit_codes import Busy, CarteiraError, CouldNotRun
from carteira.spark import launch
from carteira.spark.launch import HOST, Layout, Sizing
from carteira.spark.processes import Started, foreign, ours, start, stop_groups

START_TIMEOUT_SECONDS = 240
STATE_VERSION = 1

Echo = Callable[[str], None]


class StartFailed(CarteiraError):
    """A process exited or the cluster was not ready in time (exit 2); names the log."""


@dataclass(frozen=True)
class State:
    """What `up` recorded: the processes, where to reach the cluster, where it logs."""

    master_url: str
    master_ui: str
    thrift: str  # host:port of the Thrift server (dbt-spark `method: thrift`)
    workers: int
    logs: str
    processes: tuple[Started, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "master_url": self.master_url,
            "master_ui": self.master_ui,
            "thrift": self.thrift,
            "workers": self.workers,
            "logs": self.logs,
            "processes": [p.to_json() for p in self.processes],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        return cls(
            master_url=str(data["master_url"]),
            master_ui=str(data["master_ui"]),
            thrift=str(data["thrift"]),
            workers=int(data["workers"]),
            logs=str(data["logs"]),
            processes=tuple(Started.from_json(p) for p in data["processes"]),
        )


def read_state(layout: Layout) -> State | None:
    """The recorded cluster, or None when there is none (or the file is not one of ours)."""
    try:
        return State.from_json(json.loads(layout.state_file.read_text()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CouldNotRun(
            f"{layout.state_file} is not a cluster state file ({type(exc).__name__}): "
            "delete it if no cluster of this home runs"
        ) from exc


def _write_state(layout: Layout, state: State) -> None:
    """Replace the state file atomically: `stop` never reads half of one."""
    partial = layout.state_file.with_name(layout.state_file.name + ".partial")
    partial.write_text(json.dumps(state.to_json(), indent=2) + "\n")
    os.replace(partial, layout.state_file)


@contextmanager
def _locked(layout: Layout) -> Iterator[None]:
    layout.home.mkdir(parents=True, exist_ok=True)
    with layout.lock_file.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise Busy(f"another `carteira spark` command is using {layout.home}") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def master_json(state: State, timeout: float = 5.0) -> dict[str, Any] | None:
    """The master's own view (its web UI's /json/): workers, applications; None if down."""
    try:
        with urllib.request.urlopen(state.master_ui + "json/", timeout=timeout) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


def alive_workers(view: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [w for w in (view or {}).get("workers", []) if w.get("state") == "ALIVE"]


def thrift_answers(endpoint: str, wait: float = 0) -> bool:
    """Whether the Thrift server runs a query, asked as dbt-spark will ask it (PyHive)."""
    host, port = endpoint.rsplit(":", 1)
    try:  # the port first: a cheap answer while the server is still starting
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        return False
    try:
        return launch.thrift_query(endpoint, ["select 1"], wait=wait) == [[1]]
    except launch.ThriftError:
        return False


def _running(state: State) -> tuple[list[Started], list[Started]]:
    """The recorded processes split into those alive and ours, and the rest."""
    alive, gone = [], []
    for started in state.processes:
        (alive if ours(started) is not None else gone).append(started)
    return alive, gone


def up(
    home: Path,
    sizing: Sizing,
    master_port: int = 0,
    thrift_port: int = 0,
    echo: Echo = print,
    timeout: float = START_TIMEOUT_SECONDS,
) -> State:
    """Start the cluster in `home`, or report the one already running there."""
    java = launch.java()
    layout = Layout(home.resolve())
    with _locked(layout):
        state = read_state(layout)
        if state is not None:
            alive, gone = _running(state)
            if alive and not gone:
                echo(f"a Spark cluster already runs in {layout.home}")
                for line in describe(state):
                    echo(line)
                if state.workers != sizing.workers:
                    echo(
                        f"  it has {state.workers} workers, not {sizing.workers}: "
                        f"`carteira spark stop --home {layout.home}` first to change that"
                    )
                return state
            if alive:
                raise CouldNotRun(
                    f"the Spark cluster in {layout.home} is partly running "
                    f"({', '.join(s.role for s in gone)} stopped): run "
                    f"`carteira spark stop --home {layout.home}` first"
                )
        ports = launch.pick_ports(sizing.workers, master_port, thrift_port)
        # after the cheap refusals (a running cluster, a taken port): the first sync
        # installs Spark (~30 s)
        launch.sync_environment()
        spark = launch.spark_home()
        layout.make()
        env = launch.environment(layout, spark)
        env["JAVA_HOME"] = str(Path(java).resolve().parent.parent)
        state = State(
            master_url=launch.master_url(ports),
            master_ui=f"http://{HOST}:{ports.master_ui}/",
            thrift=f"{HOST}:{ports.thrift}",
            workers=sizing.workers,
            logs=str(layout.logs),
            processes=(),
        )
        try:
            return _start_all(layout, spark, env, ports, sizing, state, echo, timeout)
        except BaseException:
            recorded = read_state(layout)
            stop_groups(list(reversed((recorded or state).processes)))
            layout.state_file.unlink(missing_ok=True)
            raise


def _start_all(
    layout: Layout,
    spark: Path,
    env: dict[str, str],
    ports: launch.Ports,
    sizing: Sizing,
    state: State,
    echo: Echo,
    timeout: float,
) -> State:
    handles = {}

    def launch_one(role: str, argv: list[str], spark_class: str) -> None:
        nonlocal state
        started, process = start(role, argv, spark_class, env, layout.home, layout.log(role))
        handles[role] = process
        state = replace(state, processes=(*state.processes, started))
        _write_state(layout, state)

    deadline = time.monotonic() + timeout

    def wait(what: str, ready: Callable[[], bool], log_role: str) -> None:
        while not ready():
            for role, process in handles.items():
                if process.poll() is not None:
                    raise StartFailed(
                        f"the Spark {role} exited with code {process.returncode} while "
                        f"starting: read {layout.log(role)}"
                    )
            if time.monotonic() > deadline:
                raise StartFailed(
                    f"the Spark cluster was not ready within {timeout:.0f}s ({what}): "
                    f"read {layout.log(log_role)} (all logs in {layout.logs})"
                )
            time.sleep(0.5)

    echo(f"starting a Spark master and {sizing.workers} workers in {layout.home}")
    launch_one("master", launch.master_argv(spark, ports), launch.MASTER_CLASS)
    wait("master web UI", lambda: master_json(state) is not None, "master")
    for index in range(sizing.workers):
        argv = launch.worker_argv(spark, layout, ports, index, sizing)
        launch_one(f"worker-{index + 1}", argv, launch.WORKER_CLASS)
    launch_one("thrift", launch.thrift_argv(spark, layout, ports, sizing), launch.THRIFT_CLASS)
    wait(
        f"{sizing.workers} ALIVE workers on the master",
        lambda: len(alive_workers(master_json(state))) >= sizing.workers,
        "worker-1",
    )
    # each try retries for a few seconds in one process (PyHive's import is not free), then
    # the loop looks at the processes again
    wait(
        "the Thrift server answering a query",
        lambda: thrift_answers(state.thrift, wait=5),
        "thrift",
    )
    wait(
        "the Thrift server's executors on every worker",
        lambda: _app_cores(master_json(state)) >= sizing.workers * sizing.cores,
        "thrift",
    )
    for line in describe(state):
        echo(line)
    echo(f"Stop it with: carteira spark stop --home {layout.home}")
    return state


def _app_cores(view: dict[str, Any] | None) -> int:
    apps = [
        a for a in (view or {}).get("activeapps", []) if a.get("name") == launch.THRIFT_APP_NAME
    ]
    return sum(int(a.get("cores", 0)) for a in apps)


def describe(state: State) -> list[str]:
    """The lines of `status`: master, workers and the Thrift application, from the master."""
    view = master_json(state)
    lines = [f"Spark master: {state.master_url}  (web UI {state.master_ui})"]
    workers = (view or {}).get("workers", [])
    lines.append(f"Workers: {len(alive_workers(view))} ALIVE of {state.workers}")
    for worker in workers:
        lines.append(
            f"  {worker.get('id')}  {worker.get('state')}  {worker.get('host')}:"
            f"{worker.get('port')}  cores {worker.get('coresused')}/{worker.get('cores')} used, "
            f"memory {worker.get('memoryused')}/{worker.get('memory')} MB used"
        )
    lines.append(f"Thrift server (dbt-spark method: thrift, PyHive): {state.thrift}")
    apps = (view or {}).get("activeapps", [])
    for app in apps:
        lines.append(
            f"Application: {app.get('name')} ({app.get('id')}) {app.get('state')}, "
            f"{app.get('cores')} cores"
        )
    if not apps:
        lines.append("Application: none running")
    lines.append(f"Logs: {state.logs}")
    return lines


def status(home: Path) -> tuple[bool, list[str]]:
    """(running, lines): running when every recorded process is alive and the master answers."""
    layout = Layout(home.resolve())
    state = read_state(layout)
    if state is None:
        return False, [f"no Spark cluster in {layout.home} (start one with `carteira spark up`)"]
    alive, gone = _running(state)
    if not alive:
        return False, [
            f"the Spark cluster in {layout.home} is not running (stale {layout.state_file.name})"
        ]
    lines = describe(state)
    if gone:
        lines.append(f"NOT RUNNING: {', '.join(s.role for s in gone)} (logs in {state.logs})")
    view = master_json(state)
    healthy = not gone and view is not None and len(alive_workers(view)) >= state.workers
    return healthy, lines


def stop(home: Path, echo: Echo = print) -> bool:
    """Stop every process `up` started in `home`; False when none was running.

    A recorded pid that is alive but is not the process `up` started (reused by another
    program, or a state file written by hand) is named and left alone.
    """
    layout = Layout(home.resolve())
    if not layout.state_file.exists():
        return False  # and no folder made for the lock
    with _locked(layout):
        state = read_state(layout)
        if state is None:
            return False
        for started in foreign(list(state.processes)):
            echo(
                f"pid {started.pid} ({started.role} in {layout.state_file}) is not the process "
                "`carteira spark up` started: left alone"
            )
        stopped = stop_groups(list(reversed(state.processes)))
        layout.state_file.unlink(missing_ok=True)
        return bool(stopped)
