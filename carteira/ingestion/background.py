"""great-expectations off the loading path: one background thread per ingestion run.

Validation is a report (``validation``): the SQL pass decides what loads and what is
quarantined, so a table's batch can be committed while great-expectations still checks
its frame, and the next table read meanwhile. DuckDB releases the GIL while it reads and
writes, which is most of a load; great-expectations is Python. ``ingest_all`` of days
1-7, 2 cores: medium 7.9 s -> 5.8-6.2 s, large 38.1 s -> 35.1 s (docs/performance.md).

One thread, so great-expectations (one context per process, not thread-safe) never runs
twice at once: the per-file fallback path validates through it too (``call``).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from carteira.ingestion.validation import warm_up

T = TypeVar("T")


class ValidationThread:
    """The run's great-expectations worker; a context manager that waits for it on exit.

    With ``warm`` it starts by importing great-expectations and building its context
    (~2.5 s in a fresh process) while the run hashes its files and reads its first
    tables: on an incremental day that import, not the day's rows, was most of the raw
    step. A run with nothing new must not: it would wait for an import it never uses
    (``loader.validation_thread`` decides).
    """

    def __init__(self, *, warm: bool = False) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="great-expectations")
        self.warm = warm
        if warm:
            self._pool.submit(warm_up)

    def submit(self, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        """Run ``fn(*args)`` after everything submitted before it."""
        return self._pool.submit(fn, *args)

    def call(self, fn: Callable[..., T], /, *args: Any) -> T:
        """Run ``fn(*args)`` on the worker and wait for it."""
        return self.submit(fn, *args).result()

    def close(self) -> None:
        """Wait for what was submitted, then stop the thread."""
        self._pool.shutdown(wait=True)

    def __enter__(self) -> ValidationThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["ValidationThread"]
