"""studio: areas, activities, instructors, members, sessions and bookings.

Bookings cover every outcome of the contract's booking-outcome rule: session
cancelled; session not finalized (future, or forgotten); cancelled at least 2 h
before the start (including exactly 2 h); cancelled later; present; absent;
attendance never marked in a finalized session.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from carteira.generator.documents import format_phone
from carteira.generator.names import ACTIVITIES, AREAS, email_for, person_name
from carteira.generator.population import Population
from carteira.generator.sim import Sim
from carteira.generator.timeline import DAY, HOUR, MINUTE
from carteira.generator.writers import LandingWriter

TABLES = (
    "studio__areas",
    "studio__activities",
    "studio__instructors",
    "studio__members",
    "studio__sessions",
    "studio__bookings",
)
BOOKINGS_PER_MEMBER_YEAR = 8.0
MEAN_BOOKED = 8.0


@dataclass
class SessionSpec:
    """A scripted session: forces what the random simulation would only sometimes do."""

    cancelled: bool
    finalized: bool
    bookings: tuple[str, ...]  # booking fates: present absent unmarked early exact2h late


class _Studio:
    def __init__(self, w: LandingWriter, sim: Sim, pop: Population) -> None:
        self.w = w
        self.sim = sim
        self.pop = pop
        order = pop.studio_order.tolist()
        self.member_times = [int(pop.studio_t[p]) for p in order]
        self.session_id = 0
        self.booking_id = 0
        self.n_instructors = 0
        self.activity_area: list[int] = []

    # ------------------------------------------------------------- reference data
    def reference(self) -> None:
        w, sim = self.w, self.sim
        t0 = 5 * DAY + 8 * HOUR
        for i, name in enumerate(AREAS, 1):
            w.emit("studio__areas", [(t0, (i, name, t0))])
        for i, name in enumerate(ACTIVITIES, 1):
            area = (i - 1) % len(AREAS) + 1
            self.activity_area.append(area)
            w.emit("studio__activities", [(t0 + i * MINUTE, (i, name, area, t0 + i * MINUTE))])
        self.n_instructors = sim.scale.instructors
        for i in range(1, self.n_instructors + 1):
            name = person_name(sim.rnd)
            email = email_for(name, i, "studio.com.br") if sim.rnd.random() < 0.8 else None
            versions = [(t0, (i, name, email, t0))]
            if i == 1:
                tc = sim.change_time(t0, 1.0, forced=True)
                assert tc is not None
                versions.append((tc, (i, name, email_for(name, i, "gmail.com"), tc)))
            w.emit("studio__instructors", versions)

    # ------------------------------------------------------------- members
    def members(self) -> None:
        sim, pop, rnd = self.sim, self.pop, self.sim.rnd
        tl = sim.tl
        for rank, p in enumerate(pop.studio_order.tolist()):
            mid = rank + 1
            created = self.member_times[rank]
            name = pop.names[p]
            doc = sim.doc_text(pop.documents[p], style=0)  # person 0 digits only here
            email = email_for(name, mid, "studio.com.br") if rnd.random() < 0.8 else None
            phone = format_phone(f"{int(pop.phone[p]):011d}", rnd.choice((0, 1, 3)))
            if rnd.random() < 0.1:
                phone = None
            reg = (
                ("trial", "member", "visitor", "former_member")[rank]
                if rank < 4
                else rnd.choices(
                    ("member", "trial", "visitor", "former_member"), (0.55, 0.15, 0.1, 0.2)
                )[0]
            )
            joined = None if reg == "visitor" and rnd.random() < 0.7 else created // DAY

            def row(
                t: int,
                reg: str,
                deleted: int | None = None,
                *,
                name: str = name,
                doc: str | None = doc,
                email: str | None = email,
                phone: str | None = phone,
                joined: int | None = joined,
                mid: int = mid,
            ) -> tuple[object, ...]:
                return (mid, name, doc, email, phone, reg, joined, t, deleted)

            versions = [(created, row(created, reg))]
            if reg == "trial":
                tc = sim.change_time(created, 0.5, forced=rank == 0)
                if tc is not None:  # the trial converted
                    versions.append((tc, row(tc, "member")))
            elif reg == "member":
                tc = sim.change_time(created, 0.15, forced=rank == 1)
                if tc is not None:
                    versions.append((tc, row(tc, "former_member")))
            p_del = 0.0 if pop.is_pinned(p) else 0.02
            td = sim.change_time(versions[-1][0], p_del, forced=rank == 2 and tl.days > 2)
            if td is not None:
                versions.append((td, row(td, versions[-1][1][5], td)))  # type: ignore[arg-type]
            self.w.emit("studio__members", versions)

    # ------------------------------------------------------------- sessions
    def schedule(self) -> None:
        sim, tl = self.sim, self.sim.tl
        n_members = len(self.member_times)
        per_day = n_members * BOOKINGS_PER_MEMBER_YEAR * sim.scale.activity / 365 / MEAN_BOOKED
        start_day = tl.start_t // DAY
        last_day = tl.future_end // DAY - 1
        run_last = tl.end // DAY - 1
        # scripted sessions, all created and booked before the run (so in the first day's
        # full export): yesterday's classes give every outcome, one class after the run is
        # still ahead, and one class during the run is finalized in a delta
        scripted = {
            start_day - 1: [
                SessionSpec(
                    False,
                    True,
                    ("present", "absent", "unmarked", "exact2h", "early", "late", "present"),
                ),
                SessionSpec(True, False, ("present", "early")),
                SessionSpec(False, False, ("present", "absent")),
            ],
            run_last + 2: [SessionSpec(False, False, ("present", "present", "early"))],
        }
        if tl.days > 1:
            scripted[start_day + 1] = [SessionSpec(False, True, ("present", "absent", "late"))]
        if n_members == 0:
            return
        # history is thin (members are few early on); the run's days always have classes
        for day in range(30, last_day + 1):
            near = start_day - 3 <= day <= run_last + 3
            n = sim.poisson(per_day * min(1.0, day / (start_day or 1)) ** 0.5)
            if near:
                n = max(n, sim.scale.window_sessions_per_day)
            for spec in scripted.get(day, []):
                self.session(day, spec)
            for _ in range(n):
                self.session(day, None)

    def session(self, day: int, spec: SessionSpec | None) -> None:
        sim, rnd, w = self.sim, self.sim.rnd, self.w
        self.session_id += 1
        sid = self.session_id
        activity = rnd.randrange(len(ACTIVITIES)) + 1
        area = self.activity_area[activity - 1]
        instructor = rnd.randrange(self.n_instructors) + 1
        starts = day * DAY + rnd.randint(14, 40) * 30 * MINUTE  # 07:00 .. 20:00
        ends = starts + rnd.choice((45, 60, 60, 90)) * MINUTE
        capacity = rnd.randint(8, 20)
        created = starts - rnd.randint(3, 14) * DAY - rnd.randint(0, 120) * MINUTE
        if spec is not None:
            created = min(created, sim.tl.start_t - rnd.randint(4, 30) * HOUR)
        created = max(created, 30 * DAY)

        def row(t: int, fin: int | None, cancelled: bool) -> tuple[object, ...]:
            return (sid, activity, area, instructor, starts, ends, capacity, fin, cancelled, t)

        versions = [(created, row(created, None, False))]
        if spec is not None:
            cancelled, finalized = spec.cancelled, spec.finalized
        else:
            cancelled = rnd.random() < 0.03
            finalized = not cancelled and rnd.random() < 0.94
        fin: int | None = None
        if cancelled:
            tc = max(created + MINUTE, starts - rnd.randint(60, 48 * 60) * MINUTE)
            versions.append((tc, row(tc, None, True)))
        elif finalized:
            fin = ends + rnd.randint(5, 300) * MINUTE
            versions.append((fin, row(fin, fin, False)))
        w.emit("studio__sessions", versions)
        # bookings (a scripted class is booked before the run by members of long standing)
        horizon = starts - HOUR if spec is None else min(starts, sim.tl.start_t) - 2 * DAY
        k = bisect_right(self.member_times, horizon)
        if k == 0:
            return
        fill = 0.6 * min(1.0, 3 * sim.scale.activity)
        fates = (
            spec.bookings
            if spec is not None
            else [None] * min(capacity, sim.poisson(capacity * fill))
        )
        for fate in fates:
            self.booking(sid, created, starts, fin, k, fate, scripted=spec is not None)

    def booking(
        self,
        sid: int,
        created: int,
        starts: int,
        fin: int | None,
        k: int,
        fate: str | None,
        scripted: bool = False,
    ) -> None:
        rnd = self.sim.rnd
        self.booking_id += 1
        bid = self.booking_id
        member = rnd.randrange(k) + 1
        lo = max(created, self.member_times[member - 1]) + MINUTE
        hi = starts - 5 * HOUR
        if scripted:
            hi = min(hi, self.sim.tl.start_t - HOUR)
        booked = lo if hi <= lo else lo + rnd.randint(0, (hi - lo) // MINUTE) * MINUTE
        if fate is None:
            r = rnd.random()
            fate = (
                "early"
                if r < 0.08
                else "exact2h"
                if r < 0.09
                else "late"
                if r < 0.13
                else "present"
                if r < 0.83
                else "absent"
                if r < 0.96
                else "unmarked"
            )
        versions = [(booked, (bid, sid, member, booked, None, None, booked))]
        if fate in ("early", "exact2h", "late"):
            if fate == "exact2h":
                tc = starts - 2 * HOUR
            elif fate == "early":
                tc = starts - rnd.randint(121, 72 * 60) * MINUTE
            else:
                tc = starts - rnd.randint(1, 119) * MINUTE
            tc = max(tc, booked + MINUTE)
            versions.append((tc, (bid, sid, member, booked, tc, None, tc)))
        elif fin is not None and fate in ("present", "absent"):
            versions.append((fin, (bid, sid, member, booked, None, fate, fin)))
        self.w.emit("studio__bookings", versions)


def generate_studio(w: LandingWriter, sim: Sim, pop: Population) -> None:
    w.open_tables(TABLES)
    st = _Studio(w, sim, pop)
    st.reference()
    st.members()
    st.schedule()
    w.close_tables(TABLES)
