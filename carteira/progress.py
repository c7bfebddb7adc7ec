"""Progress lines for long work, shared by the CLI and the Dagster assets.

Assets log through Dagster; they also emit here so the CLI can show files, rows and
seconds without turning on Dagster's verbose console logger.
"""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger("carteira.progress")


def emit(message: str) -> None:
    logger.info(message)


def to_stderr() -> None:
    """Print progress lines on stderr (idempotent)."""
    if any(getattr(h, "_carteira", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s  %(message)s", "%H:%M:%S"))
    handler._carteira = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
