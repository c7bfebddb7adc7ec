"""Who may write a warehouse: one refresh at a time, and a bounded wait for the raw file.

Two different locks, for two different reasons:

- The **refresh lock** is an OS lock (``fcntl.flock``) on ``<warehouse>.lock`` beside the
  published file, held for the whole run. The kernel releases it when the process ends in
  any way (including ``kill -9``), so a dead refresh never blocks the next one and there is
  no stale-lock clean-up to get wrong. The holder writes its pid, host and start time into
  the file so that a refused second refresh can say who is running.
- The **raw file** (``warehouse.raw.duckdb``) is opened for writing by the ingestion. DuckDB
  lets one process write a file, or many read it; a reader that opened it (e.g. a person
  with the DuckDB CLI) therefore blocks the refresh. The refresh waits for it a bounded
  time and then gives up with :class:`~carteira.exit_codes.Busy` naming the holder that
  DuckDB reports. Readers that must not block anyone use the raw snapshot the refresh
  publishes (``carteira.refresh.snapshot.publish_raw_snapshot``).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from carteira.exit_codes import Busy, CouldNotRun
from carteira.refresh.snapshot import snapshot_of_raw


class Damaged(CouldNotRun):
    """A file a refresh needs exists but is not a readable DuckDB database (nothing was
    attempted; the message says how to restore it)."""


# path of a lock file -> open descriptor holding the flock, for this process
_HELD: dict[str, int] = {}

_DUCKDB_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


def lock_path(warehouse_path: Path) -> Path:
    """``<warehouse>.lock``: beside the published file, so it guards exactly that file."""
    warehouse_path = Path(warehouse_path)
    return warehouse_path.with_name(warehouse_path.name + ".lock")


def _describe_holder(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 4096).decode("utf-8", "replace").strip()
    try:
        info = json.loads(text)
        return f"pid {info['pid']} on host {info['host']}, started {info['started_at']}"
    except (ValueError, KeyError, TypeError):
        return "a process that has not written its name yet"


def acquire_refresh_lock(warehouse_path: Path) -> bool:
    """Take the refresh lock of a warehouse for this process, or raise :class:`Busy`.

    Returns False when this process already holds it (re-entrant: the CLI takes it around
    the whole job and every step checks it), True when it was taken now.
    """
    path = lock_path(warehouse_path)
    key = str(path.resolve())
    if key in _HELD:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    # never truncate before holding the lock: the content names the current holder
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _describe_holder(fd)
        os.close(fd)
        raise Busy(
            f"another refresh of {warehouse_path} is running ({holder}); "
            f"lock file {path}. Try again when it has finished."
        ) from None
    except BaseException:
        os.close(fd)
        raise
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info).encode(), 0)
    _HELD[key] = fd
    return True


def release_refresh_lock(warehouse_path: Path) -> None:
    """Give the refresh lock back (the kernel does it anyway when the process ends)."""
    fd = _HELD.pop(str(lock_path(warehouse_path).resolve()), None)
    if fd is None:
        return
    try:
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def refresh_lock(warehouse_path: Path) -> Iterator[None]:
    """Hold the refresh lock for the block (a no-op if this process already holds it)."""
    taken = acquire_refresh_lock(warehouse_path)
    try:
        yield
    finally:
        if taken:
            release_refresh_lock(warehouse_path)


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    return "Could not set lock on file" in str(exc)


def raw_holder(exc: duckdb.Error) -> str:
    """The process DuckDB names as holding a file, as a phrase for a message."""
    m = _DUCKDB_HOLDER.search(str(exc))
    return f"pid {m['pid']} ({m['program']})" if m else "another process"


def damaged_message(path: Path, what: str, exc: BaseException) -> str:
    """Which file cannot be read, why, and how to put it back (from the raw snapshot)."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    snapshot = snapshot_of_raw(Path(path))
    restore = (
        f"restore it from the raw snapshot the last publish left: mv {path} {path}.damaged; "
        f"cp {snapshot} {path}; then run again (extracts loaded after that publish are "
        "loaded again from the landing zone)"
        if snapshot.exists()
        else f"no raw snapshot {snapshot} to restore it from: move it aside and run again "
        "to load the landing zone anew"
    )
    return f"{what} {path} is damaged and cannot be opened ({first}); {restore}"


def connect_for_write(
    path: Path, wait_seconds: float, *, what: str = "raw history"
) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file for writing, waiting up to ``wait_seconds`` for readers to leave.

    Raises :class:`Busy` naming the holder when the file is still held after the wait.
    """
    deadline = time.monotonic() + max(wait_seconds, 0.0)
    delay = 0.1
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc):
                raise Damaged(damaged_message(path, what, exc)) from exc
            if time.monotonic() >= deadline:
                raise Busy(
                    f"{what} {path} is held open by {raw_holder(exc)}; waited "
                    f"{wait_seconds:g}s for it to close. Readers should use the raw snapshot "
                    f"({snapshot_of_raw(path).name}) instead."
                ) from None
            time.sleep(min(delay, max(deadline - time.monotonic(), 0.01)))
            delay = min(delay * 2, 2.0)
