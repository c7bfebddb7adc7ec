"""Value formatting per source system (docs/contract/sources.md "Formats per system").

The simulation keeps raw values: ``int`` seconds for ``ts`` (see ``timeline``),
``int`` day indices for ``date``, ``int`` cents for ``dec``, ``bool``, ``str``,
``int`` and ``list[str]``; ``None`` is null. A :class:`RowFormatter` turns a raw row
(a tuple in contract column order) into the text one system writes, so the quirks
of each system (decimal comma, Latin-1 dates, UTC ``Z`` timestamps...) live here
and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from carteira.contract import SYSTEMS, Table
from carteira.generator.timeline import DAY, Timeline

CsvValue = str | None
JsonValue = Any


def cents_plain(cents: int) -> str:
    """``123456`` -> ``"1234.56"`` (pbx/studio style)."""
    sign = "-" if cents < 0 else ""
    c = abs(cents)
    return f"{sign}{c // 100}.{c % 100:02d}"


def cents_erp(cents: int) -> str:
    """``123456`` -> ``"1.234,56"``: decimal comma and ``.`` thousands (erp)."""
    sign = "-" if cents < 0 else ""
    c = abs(cents)
    return f"{sign}{c // 100:,}".replace(",", ".") + f",{c % 100:02d}"


class _Calendar:
    """Caches the date part of every format per day index (formatting is the hot path)."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self._cache: dict[tuple[str, int], str] = {}

    def date(self, pattern: str, day_index: int) -> str:
        key = (pattern, day_index)
        s = self._cache.get(key)
        if s is None:
            s = self.timeline.date_of_day(day_index).strftime(pattern)
            self._cache[key] = s
        return s


class RowFormatter:
    """Formats raw rows of one table for its system."""

    def __init__(self, table: Table, timeline: Timeline) -> None:
        self.table = table
        self.system = SYSTEMS[table.system]
        self.timeline = timeline
        self._cal = _Calendar(timeline)
        self.is_json = self.system.extension == "jsonl"
        self._fns: list[Callable[[Any], Any]] = [self._fn(c.type) for c in table.columns]

    # ------------------------------------------------------------------ per type
    def _fn(self, typ: str) -> Callable[[Any], Any]:
        fmt = self.system
        cal = self._cal
        tl = self.timeline
        if typ == "str":
            return _identity
        if typ == "int":
            return _identity if self.is_json else str
        if typ == "bool":
            if self.is_json:
                return _identity
            t_tok, f_tok = fmt.true_token, fmt.false_token
            return lambda v: t_tok if v else f_tok
        if typ == "dec":
            if self.is_json:
                return lambda c: c / 100
            return cents_erp if fmt.decimal_comma else cents_plain
        if typ == "date":
            pattern = fmt.date_format
            return lambda d: cal.date(pattern, d)
        if typ == "str[]":
            return list
        if typ == "ts":
            if fmt.ts_format is None:  # crm: UTC ISO-8601 with Z

                def iso_utc(t: int) -> str:
                    u = t - tl.utc_offset(t // DAY)
                    day, sec = divmod(u, DAY)
                    h, rem = divmod(sec, 3600)
                    m, s = divmod(rem, 60)
                    return f"{cal.date('%Y-%m-%d', day)}T{h:02d}:{m:02d}:{s:02d}Z"

                return iso_utc
            date_pat = fmt.date_format
            with_seconds = fmt.ts_format.endswith("%S")

            def local(t: int) -> str:
                day, sec = divmod(t, DAY)
                h, rem = divmod(sec, 3600)
                m, s = divmod(rem, 60)
                if with_seconds:
                    return f"{cal.date(date_pat, day)} {h:02d}:{m:02d}:{s:02d}"
                return f"{cal.date(date_pat, day)} {h:02d}:{m:02d}"

            return local
        raise ValueError(f"unknown column type {typ!r}")

    # ------------------------------------------------------------------ rows
    def csv_row(self, raw: Sequence[Any]) -> list[str]:
        """CSV cells; null becomes the empty field."""
        return ["" if v is None else f(v) for f, v in zip(self._fns, raw, strict=True)]

    def json_items(self, raw: Sequence[Any]) -> list[tuple[str, JsonValue]]:
        """(key, value) pairs in contract order; nulls kept as ``None``."""
        return [
            (c.name, None if v is None else f(v))
            for c, f, v in zip(self.table.columns, self._fns, raw, strict=True)
        ]


def _identity(v: Any) -> Any:
    return v
