"""Starting, recognising and stopping the cluster's processes.

Every process is started as the leader of its own session (so of its own process group):
stopping the group stops what it started too (a worker's executors). A pid read back from
the state file is only ever signalled after checking it is still the process we started
(same creation time, the Spark class we launched in its command line): a pid reused by
another program, or a state file written by someone else, never gets a signal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

# How long a process group gets between SIGTERM and SIGKILL.
STOP_GRACE_SECONDS = 20.0
# psutil's creation times are read from /proc with jiffy resolution.
_CREATE_TIME_TOLERANCE = 1.0


@dataclass(frozen=True)
class Started:
    """One process the cluster started: enough to find it again, and only it."""

    role: str  # "master", "worker-1", ..., "thrift"
    pid: int
    create_time: float
    spark_class: str  # the Java main class; always in the command line (script or JVM)
    log: str

    def to_json(self) -> dict[str, object]:
        return {
            "role": self.role,
            "pid": self.pid,
            "create_time": self.create_time,
            "spark_class": self.spark_class,
            "log": self.log,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Started:
        return cls(
            role=str(data["role"]),
            pid=int(data["pid"]),  # type: ignore[call-overload]
            create_time=float(data["create_time"]),  # type: ignore[arg-type]
            spark_class=str(data["spark_class"]),
            log=str(data["log"]),
        )


def start(
    role: str,
    argv: list[str],
    spark_class: str,
    env: Mapping[str, str],
    cwd: Path,
    log: Path,
) -> tuple[Started, subprocess.Popen[bytes]]:
    """Start `argv` detached, in its own session, its output appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv,
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        created = psutil.Process(process.pid).create_time()
    except psutil.NoSuchProcess:
        created = 0.0  # exited at once: the caller's poll() reports it with the log
    return Started(role, process.pid, created, spark_class, str(log)), process


def ours(started: Started) -> psutil.Process | None:
    """The live process `started` names, or None if it is gone or is not ours.

    Ours means: the same creation time as recorded, its Spark class in the command line
    (the spark-class script while it prepares the command, then the JVM it becomes), and
    the leader of its own process group, so that signalling the group signals only it
    and its children.
    """
    try:
        process = psutil.Process(started.pid)
        created = process.create_time()
        cmdline = process.cmdline()
        group = os.getpgid(started.pid)
        zombie = process.status() == psutil.STATUS_ZOMBIE
    except (psutil.Error, ProcessLookupError):
        return None
    if zombie or abs(created - started.create_time) > _CREATE_TIME_TOLERANCE:
        return None
    if started.spark_class not in cmdline or group != started.pid:
        return None
    return process


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return any(_in_group(p, pgid) for p in psutil.process_iter())


def _in_group(process: psutil.Process, pgid: int) -> bool:
    try:
        return os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE
    except (psutil.Error, ProcessLookupError):
        return False


def stop_groups(processes: list[Started], grace: float = STOP_GRACE_SECONDS) -> list[str]:
    """SIGTERM the process group of each of `processes` that is ours, SIGKILL what is left.

    Returns the roles that were stopped. The groups are signalled together (the Thrift
    server first, the master last, so none reconnects to a dying peer) and waited for
    together, so a cluster stops in one grace period, not one per process.
    """
    groups = [(s, ours(s)) for s in processes]
    live = [s for s, process in groups if process is not None]
    for started in live:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(started.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_group_alive(s.pid) for s in live):
        time.sleep(0.2)
    for started in live:
        if _group_alive(started.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(started.pid, signal.SIGKILL)
    for started in live:
        _reap(started.pid)
    return [s.role for s in live]


def _reap(pid: int) -> None:
    """Collect our own child's exit status (a test or `up` that started it) if it is one."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def foreign(processes: list[Started]) -> list[Started]:
    """Recorded processes whose pid is alive but is not the process we started."""
    found = []
    for started in processes:
        if ours(started) is None and psutil.pid_exists(started.pid):
            found.append(started)
    return found
