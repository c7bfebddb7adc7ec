"""CPU seconds a command and everything it starts spend, by kind of process.

The test suite keeps both cores busy the whole run, so its length is the CPU it burns:
this says which programs burn it (dbt, the pytest workers' in-process refreshes,
Superset, chromium, PostgreSQL, ...). It reads /proc every `--every` seconds; a process
that lives less than that may be missed, so the total is a floor::

    uv run python benchmarks/cpu_by_process.py -- bash .ci/run
    uv run python benchmarks/cpu_by_process.py -- uv run pytest tests/test_superset.py

Linux only (/proc). Prints a table when the command ends and exits with its exit code.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")

# (kind, words of the command line that say it), first match wins
KINDS = (
    ("chromium", ("chromium", "chrome")),
    ("postgres", ("postgres:", "bin/postgres")),
    ("dbt", ("/bin/dbt ", "-m dbt ")),
    ("superset", ("superset", "gunicorn")),
    ("dagster services", ("dagster-daemon", "dagster-webserver", "dagster api")),
    ("pytest workers (in-process refreshes, tests)", ("exec(eval(sys.stdin",)),
    ("sqlfluff", ("sqlfluff", "multiprocessing.spawn")),
    # before pytest: their arguments name the tests' /tmp/pytest-of-<user>/ folders
    ("carteira commands", ("carteira",)),
    ("pytest", ("bin/pytest",)),
    ("uv (installs)", ("/uv ", "uv sync", "uv run")),
    ("apt", ("apt-get", "dpkg", "/usr/lib/apt")),
)


def kind_of(command_line: str) -> str:
    for kind, words in KINDS:
        if any(word in command_line for word in words):
            return kind
    return "other: " + (command_line.split(" ")[0].rsplit("/", 1)[-1] or "?")


def _descendants(roots: set[int]) -> set[int]:
    """Every live process under `roots` (the roots included). A server that detached (its
    starter exited, so its parent is now init) stays counted: it is one of `roots`."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[1])
    under = {pid for pid in roots if pid in parents}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in under and pid not in under:
                under.add(pid)
                changed = True
    return under


def _cpu(pid: int) -> tuple[float, str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    return (int(stat[11]) + int(stat[12])) / TICKS, line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=2.0, help="seconds between reads")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command and arguments")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    started = time.monotonic()
    child = subprocess.Popen(command)
    seen: dict[int, tuple[float, str]] = {}  # pid -> (CPU seconds read last, kind)
    spent: Counter[str] = Counter()
    while True:
        done = child.poll() is not None
        for pid in _descendants({child.pid, *seen}):
            read = _cpu(pid)
            if read is None:
                continue
            seconds, line = read
            before, kind = seen.get(pid, (0.0, kind_of(line)))
            spent[kind] += seconds - before
            seen[pid] = (seconds, kind)
        if done:
            break
        time.sleep(args.every)
    wall = time.monotonic() - started
    total = sum(spent.values())
    waited = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"\n{wall:.0f} s wall, {total:.0f} CPU seconds read ({total / wall:.2f} cores); "
        f"the processes waited for used {waited.ru_utime + waited.ru_stime:.0f}"
    )
    for kind, seconds in spent.most_common():
        if seconds >= 1:
            print(f"{seconds:8.0f} s {100 * seconds / total:5.1f} %  {kind}")
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
