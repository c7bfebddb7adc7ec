"""Exit codes of every `carteira` command, defined once.

A scheduler or an operator's script branches on these, so each code means exactly one
thing (README "Exit codes"):

- ``PUBLISHED`` (0): success; for a refresh, published and nothing was set aside.
- ``PUBLISHED_WITH_QUARANTINE`` (1): published, but some input was quarantined.
- ``NOT_PUBLISHED`` (2): a step or an error-severity check failed; the previous
  warehouse stays in place (commands that publish nothing use it for "failed").
- ``COULD_NOT_RUN`` (3): nothing was attempted: busy (another refresh, a reader holding
  the raw file), bad arguments, a missing tool, an unreachable server.

Expected failures are raised as :class:`CarteiraError` (or a subclass) carrying their
code; the CLI prints the message without a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    PUBLISHED = 0
    PUBLISHED_WITH_QUARANTINE = 1
    NOT_PUBLISHED = 2
    COULD_NOT_RUN = 3


class CarteiraError(Exception):
    """An expected failure: a message for a person and the exit code it maps to."""

    exit_code: ExitCode = ExitCode.NOT_PUBLISHED


class CouldNotRun(CarteiraError):
    """Nothing was attempted: busy, bad arguments, missing tool, unreachable server."""

    exit_code = ExitCode.COULD_NOT_RUN


class Busy(CouldNotRun):
    """Another process holds what this command needs (named in the message)."""
