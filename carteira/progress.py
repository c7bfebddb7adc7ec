"""Progress of long work for a person at a terminal, shared by the CLI and the Dagster assets.

The refresh job runs in the CLI's process (in-process executor), so its assets report
here: each file ingested (phase `ingest`) and each dbt node finished (phase `dbt`). What
the person sees is chosen once, by `configure`:

- `bars` (stderr is a terminal): one progress bar per phase, kept on screen when done;
- `plain` (a log file, CI, a pipe): a line at each quarter of a phase and one when it ends;
- `verbose` (`--verbose`): a timestamped line per file and per dbt node, and dbt's own log.

No mode shows a phase's time: the run's summary states it once (`time: ingest ...`),
measured on the step itself, while a phase here starts before the run's start-up and
ends only when the next phase shows, so a second figure would disagree with the first.

Nothing is configured under `dagster dev` and the schedule: there the detail belongs in
Dagster's event log and compute logs, which the assets write as well, and dbt's output
is left on stdout where Dagster captures it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, TextIO

Mode = Literal["bars", "plain", "verbose"]

# What each phase counts, as shown next to its numbers.
PHASE_LABELS = {"ingest": "files ingested", "dbt": "dbt nodes built"}

logger = logging.getLogger("carteira.progress")

# dagster-dbt re-prints dbt's log lines; a finished node reads "12 of 667 OK created ...".
_DBT_NODE_DONE = re.compile(r"^(\d+) of (\d+) (?!START\b)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# dbt lines kept to show when the dbt step fails outside verbose mode.
_DBT_TAIL_LINES = 40


@dataclass
class _Phase:
    name: str
    total: int | None
    done: int = 0
    quarters_shown: int = 0
    task: object | None = None  # rich TaskID in bars mode

    @property
    def label(self) -> str:
        return PHASE_LABELS.get(self.name, self.name)

    def counts(self) -> str:
        return f"{self.done}/{self.total}" if self.total else str(self.done)


class _Reporter:
    def __init__(self, mode: Mode, stream: TextIO) -> None:
        self.mode = mode
        self.stream = stream
        self.phases: dict[str, _Phase] = {}
        self.current: str | None = None
        self._bars = None

    # -- phases
    def start(self, name: str, total: int | None) -> _Phase:
        if self.current and self.current != name:
            self.finish(self.current)
        phase = self.phases.get(name)
        if phase is None or self.current != name:
            phase = self.phases[name] = _Phase(name, total)
            self.current = name
            if self.mode == "bars":
                phase.task = self._progress().add_task(phase.label, total=total)
        return phase

    def advance(self, name: str, total: int | None) -> None:
        phase = self.phases.get(name) if self.current == name else None
        if phase is None:
            phase = self.start(name, total)
        if total and phase.total != total:
            phase.total = total
        phase.done += 1
        if self.mode == "bars":
            self._progress().update(phase.task, completed=phase.done, total=phase.total)
        elif self.mode == "plain" and phase.total:
            quarter = 4 * phase.done // phase.total
            if phase.quarters_shown < quarter < 4:
                phase.quarters_shown = quarter
                self._line(f"{phase.label}: {phase.counts()} ({25 * quarter}%)")

    def finish(self, name: str) -> None:
        phase = self.phases.get(name)
        if phase is None or self.current != name:
            return
        self.current = None
        if self.mode == "bars":
            self._progress().update(phase.task, completed=phase.done, total=phase.total)
        else:
            self._line(f"{phase.label}: {phase.counts()}")

    def close(self) -> None:
        if self.current:
            self.finish(self.current)
        if self._bars is not None:
            self._bars.stop()
            self._bars = None
        self.phases.clear()

    # -- output
    def detail(self, message: str) -> None:
        if self.mode == "verbose":
            logger.info(message)

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def _progress(self):  # noqa: ANN202 - rich.progress.Progress, imported only for bars
        if self._bars is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
            )

            self._bars = Progress(
                TextColumn("{task.description:<16}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(file=self.stream),
            )
            self._bars.start()
        return self._bars


_reporter: _Reporter | None = None


def choose_mode(*, verbose: bool, stream: TextIO) -> Mode:
    if verbose:
        return "verbose"
    return "bars" if stream.isatty() else "plain"


def configure(*, verbose: bool = False, stream: TextIO | None = None) -> Mode:
    """Report progress on `stream` (default stderr) from now on; returns the mode chosen."""
    global _reporter
    stream = stream or sys.stderr
    if _reporter is not None:
        _reporter.close()
    mode = choose_mode(verbose=verbose, stream=stream)
    _reporter = _Reporter(mode, stream)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s  %(message)s", "%H:%M:%S"))
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return mode


def reset() -> None:
    """Stop reporting (the CLI calls this when its command ends, so nothing outlives it)."""
    global _reporter
    if _reporter is not None:
        _reporter.close()
    _reporter = None
    logger.handlers = []


def emit(message: str) -> None:
    """A detail line (a file, a step): shown in verbose mode only."""
    if _reporter is not None:
        _reporter.detail(message)


def start(phase: str, total: int | None = None) -> None:
    """Begin `phase` with `total` items if known (the previous phase ends here)."""
    if _reporter is not None:
        _reporter.start(phase, total)


def advance(phase: str, detail: str | None = None, *, total: int | None = None) -> None:
    """One more item of `phase` done (`detail` describes it, for verbose mode)."""
    if _reporter is not None:
        if detail:
            _reporter.detail(detail)
        _reporter.advance(phase, total)


def finish(phase: str) -> None:
    if _reporter is not None:
        _reporter.finish(phase)


def close() -> None:
    """End every phase and take the bars down, before the summary is printed."""
    if _reporter is not None:
        _reporter.close()


class _DbtLog(io.TextIOBase):
    """Stands in for stdout while dagster-dbt re-prints dbt's log: counts finished nodes."""

    def __init__(self) -> None:
        self._partial = ""
        self.tail: deque[str] = deque(maxlen=_DBT_TAIL_LINES)

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            self._line(line)
        return len(text)

    def _line(self, line: str) -> None:
        plain = _ANSI.sub("", line).rstrip()
        if not plain:
            return
        self.tail.append(plain)
        done = _DBT_NODE_DONE.match(plain)
        if done:
            advance("dbt", plain, total=int(done.group(2)))
        else:
            emit(plain)


@contextlib.contextmanager
def dbt_log() -> Iterator[None]:
    """Route dbt's log lines into the `dbt` phase while the CLI reports progress.

    If the dbt step fails outside verbose mode, dbt's last lines are printed so the
    failure can be read without re-running with --verbose.
    """
    if _reporter is None:
        yield
        return
    sink = _DbtLog()
    start("dbt")
    try:
        with contextlib.redirect_stdout(sink):
            yield
    except Exception:
        reporter = _reporter
        close()
        if reporter.mode != "verbose":
            for line in sink.tail:
                print(line, file=reporter.stream)
        raise
    finally:
        finish("dbt")
