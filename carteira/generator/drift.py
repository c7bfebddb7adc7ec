"""Schema drift: a source that starts sending a column the contract does not know.

docs/contract/sources.md says columns may be added at any time and must be kept in the raw
layer. The generator exercises that: from :func:`drift_first_slot` on, the tables
listed in :data:`DRIFT` carry one extra trailing column.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

_SEGMENTS = ("varejo", "atacado", "corporativo", "revenda")


@dataclass(frozen=True)
class DriftColumn:
    """An extra column a table carries from some extraction day on."""

    name: str
    value: Callable[[Sequence[Any]], str]


def _customer_segment(raw: Sequence[Any]) -> str:
    return _SEGMENTS[zlib.crc32(str(raw[0]).encode()) % len(_SEGMENTS)]


#: ``system__table`` -> the extra column it gains.
DRIFT: dict[str, DriftColumn] = {
    "erp__customers": DriftColumn("customer_segment", _customer_segment),
}


def drift_first_slot(days: int) -> int | None:
    """First extraction slot carrying the drift column (4th day, or the last one if fewer).

    ``None`` for a one-day run: the full export always matches the contract.
    """
    if days < 2:
        return None
    return min(3, days - 1)


def drift_columns(fqn: str, slot: int, days: int) -> list[str]:
    """Extra column names the file of ``fqn`` for ``slot`` carries (empty when none)."""
    first = drift_first_slot(days)
    col = DRIFT.get(fqn)
    if col is None or first is None or slot < first:
        return []
    return [col.name]
