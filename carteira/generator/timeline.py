"""The generator's clock: one integer time axis for every system.

Every generated timestamp is an ``int`` of seconds since ``origin`` (local midnight,
business time zone), so the simulation can compare, add and route times without
creating ``datetime`` objects in its hot loops. Formatting (see ``formats``) turns
them into each system's text only for the rows that are actually written.

Slots: the run writes one file per table per extraction day. Slot 0 is the first
day (a full export: everything created up to the end of that day); slot ``k`` is
day ``start + k`` (a delta of what was created or changed that day).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from carteira.settings import DEFAULT_TIMEZONE

DAY = 86_400
HOUR = 3_600
MINUTE = 60

#: Days of history before ``start`` (a little over 5 years, so the 5th year back has data).
HISTORY_DAYS = 5 * 365 + 10
#: Days after the last extraction day for which the business already schedules things.
FUTURE_DAYS = 30


@dataclass
class Timeline:
    """Maps the integer time axis to calendar dates and extraction slots."""

    start: date
    days: int
    timezone: str = DEFAULT_TIMEZONE
    origin: date = field(init=False)
    _tz: ZoneInfo = field(init=False, repr=False)
    _offsets: dict[int, int] = field(default_factory=dict, init=False, repr=False)
    _dates: dict[int, date] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("days must be >= 1")
        self.origin = self.start - timedelta(days=HISTORY_DAYS)
        self._tz = ZoneInfo(self.timezone)

    # ------------------------------------------------------------------ bounds
    @property
    def start_t(self) -> int:
        """Local midnight of the first extraction day."""
        return HISTORY_DAYS * DAY

    @property
    def day1_end(self) -> int:
        """End (exclusive) of the first extraction day: the full export's horizon."""
        return (HISTORY_DAYS + 1) * DAY

    @property
    def end(self) -> int:
        """End (exclusive) of the last extraction day: nothing later is ever written."""
        return (HISTORY_DAYS + self.days) * DAY

    @property
    def future_end(self) -> int:
        """End of the horizon for things scheduled ahead (sessions, due dates...)."""
        return self.end + FUTURE_DAYS * DAY

    def slot_of(self, t: int) -> int:
        """Extraction slot in which a change at time ``t`` is delivered."""
        if t < self.day1_end:
            return 0
        return t // DAY - HISTORY_DAYS

    def slot_start(self, slot: int) -> int:
        return (HISTORY_DAYS + slot) * DAY

    def extraction_date(self, slot: int) -> date:
        return self.start + timedelta(days=slot)

    # ------------------------------------------------------------------ calendar
    def date_of_day(self, day_index: int) -> date:
        d = self._dates.get(day_index)
        if d is None:
            d = self.origin + timedelta(days=day_index)
            self._dates[day_index] = d
        return d

    def day_of_date(self, d: date) -> int:
        return (d - self.origin).days

    def utc_offset(self, day_index: int) -> int:
        """Seconds to add to UTC to get local time on that day (e.g. -10800)."""
        off = self._offsets.get(day_index)
        if off is None:
            d = self.date_of_day(day_index)
            noon = datetime(d.year, d.month, d.day, 12, tzinfo=self._tz)
            delta = noon.utcoffset()
            off = int(delta.total_seconds()) if delta is not None else 0
            self._offsets[day_index] = off
        return off

    # ------------------------------------------------------------------ sampling
    def business_time(self, rnd: random.Random, day_index: int) -> int:
        """A minute-aligned time during business hours (08:00-19:59) of a day."""
        return day_index * DAY + rnd.randint(8 * 60, 19 * 60 + 59) * MINUTE

    def window_time(self, rnd: random.Random, slot: int | None = None) -> int:
        """A business-hours time on a delta day (slot >= 1), or on day 1 when days == 1."""
        if slot is None:
            slot = rnd.randint(1, self.days - 1) if self.days > 1 else 0
        return self.business_time(rnd, HISTORY_DAYS + slot)

    def history_time(self, rnd: random.Random, lo: int, hi: int | None = None) -> int:
        """A business-hours time uniformly between ``lo`` and ``hi`` (default: start)."""
        hi = self.start_t if hi is None else hi
        lo_day = max(0, lo // DAY + (1 if lo % DAY > 19 * HOUR else 0))
        hi_day = max(lo_day, hi // DAY - 1)
        t = self.business_time(rnd, rnd.randint(lo_day, hi_day))
        return max(t, lo + MINUTE)
