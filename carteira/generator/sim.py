"""Shared simulation helpers: event timing, counts and how records spell documents."""

from __future__ import annotations

import math
import random

from carteira.generator.documents import corrupt_document, format_document
from carteira.generator.scales import Scale
from carteira.generator.timeline import DAY, MINUTE, Timeline

YEAR = 365 * DAY


class Sim:
    """Random decisions shared by every domain, driven by one seeded ``random.Random``."""

    def __init__(self, tl: Timeline, rnd: random.Random, scale: Scale) -> None:
        self.tl = tl
        self.rnd = rnd
        self.scale = scale
        self._docs = 0

    def poisson(self, lam: float) -> int:
        """Poisson draw (Knuth for small means, normal approximation above)."""
        if lam <= 0:
            return 0
        if lam > 30:
            return max(0, round(self.rnd.gauss(lam, math.sqrt(lam))))
        limit, k, p = math.exp(-lam), 0, self.rnd.random()
        while p > limit:
            k += 1
            p *= self.rnd.random()
        return k

    def count(self, lo: int, per_year: float) -> int:
        """How many events a record living since ``lo`` produced up to the run's end."""
        years = max(0.0, (self.tl.end - lo) / YEAR)
        return self.poisson(per_year * self.scale.activity * years)

    def child_time(self, lo: int) -> int:
        """When a new dependent record appears: uniform from ``lo`` to the run's end.

        ``window_boost`` places an extra share in the run's delta days, so small presets
        still have new records in their deltas.
        """
        tl = self.tl
        rnd = self.rnd
        if tl.days > 1 and rnd.random() < self.scale.window_boost:
            t = tl.window_time(rnd)
            if t > lo:
                return t
        if lo >= tl.end - DAY:
            return lo + rnd.randint(1, 180) * MINUTE
        return tl.history_time(rnd, lo, tl.end)

    def settled_time(self, lo: int) -> int:
        """A history time (before the run) old enough for a scripted story to play out.

        Between 700 and 200 days before ``start`` when ``lo`` allows it, else as early as
        possible before ``start``; only a ``lo`` inside the run gives a time in the run.
        """
        tl = self.tl
        hi = tl.start_t - 200 * DAY
        lo2 = max(lo + MINUTE, tl.start_t - 700 * DAY)
        if lo2 < hi:
            return tl.history_time(self.rnd, lo2, hi)
        if lo < tl.start_t - 2 * DAY:
            return tl.history_time(self.rnd, lo, tl.start_t - DAY)
        return self.child_time(lo)

    def later(self, t: int, min_minutes: int, max_minutes: int) -> int:
        """A time a random number of minutes after ``t``."""
        return t + self.rnd.randint(min_minutes, max_minutes) * MINUTE

    def change_time(self, lo: int, p: float, forced: bool = False) -> int | None:
        """When a record changes (``None``: never), after ``lo``; ``forced`` = during the run."""
        tl = self.tl
        rnd = self.rnd
        if forced and tl.days > 1:
            return max(tl.window_time(rnd), lo + MINUTE)
        if rnd.random() >= p:
            return None
        return self.child_time(lo + MINUTE)

    def doc_text(self, doc: str, style: int | None = None) -> str | None:
        """How one system spells a person's document: mostly valid, varied; some invalid.

        Called once per record in creation order. The first seven records of each system
        (the pinned persons) are scripted: ``style`` for the 1st, then punctuated, null,
        digits only, wrong check digit, punctuated, wrong length.
        """
        self._docs += 1
        r = self.rnd.random()
        if self._docs == 1 and style is not None:
            return format_document(doc, style)
        r = {2: 0.9, 3: 0.01, 4: 0.5, 5: 0.03, 6: 0.9, 7: 0.045}.get(self._docs, r)
        if r < 0.02:
            return None
        if r < 0.04:
            return corrupt_document(doc, 0)
        if r < 0.05:
            return corrupt_document(doc, 1)
        return format_document(doc, 0 if r < 0.55 else 1)
