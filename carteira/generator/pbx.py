"""pbx: call detail records, immutable, occasionally re-delivered.

Calls mostly go from a client's owner extension to one of the client's numbers,
dialled in a different spelling than the crm stores it; some come from other
extensions, some are inbound, some reach numbers nobody owns or numbers shared
by two clients (ambiguous).
"""

from __future__ import annotations

from carteira.generator.crm import CrmState
from carteira.generator.documents import format_phone
from carteira.generator.org import Org
from carteira.generator.population import Population
from carteira.generator.sim import Sim
from carteira.generator.writers import LandingWriter

TABLE = "pbx__calls"
MAIN_LINE = "1133224455"
_DIAL_STYLES = (2, 3, 5)  # 011..., 11..., +5511...
_UNKNOWN_AREAS = ("85", "71", "92", "98")


class _Calls:
    def __init__(self, w: LandingWriter, sim: Sim) -> None:
        self.w = w
        self.sim = sim
        self.next_id = 0
        self.redelivered = 0

    def call(self, t: int, extension: str, direction: str, number: str) -> None:
        """Write one call (and sometimes deliver it again the next day).

        Calls 1-3 (the first client's scripted calls) are answered, answered with 0
        seconds of talk, and not answered.
        """
        rnd = self.sim.rnd
        tl = self.sim.tl
        self.next_id += 1
        r = rnd.random()
        r = {1: 0.1, 2: 0.1, 3: 0.7}.get(self.next_id, r)
        if r < 0.6:
            disp = "ANSWERED"
            talk = 0 if rnd.random() < 0.06 or self.next_id == 2 else rnd.randint(5, 900)
        else:
            disp = "NO ANSWER" if r < 0.85 else ("BUSY" if r < 0.93 else "FAILED")
            talk = 0
        t += rnd.randint(0, 59)
        if direction == "outbound":
            row = (self.next_id, t, extension, direction, extension, number, disp, talk)
        else:
            row = (self.next_id, t, extension, direction, number, MAIN_LINE, disp, talk)
        self.w.emit(TABLE, [(t, row)])
        if t < tl.end:
            slot = tl.slot_of(t)
            if slot + 1 < tl.days and (rnd.random() < 0.01 or self.redelivered == 0):
                self.w.write(TABLE, slot + 1, row)  # a re-delivery: same call_id, same content
                self.redelivered += 1


def _dial(sim: Sim, national: str, stored_style: int) -> str:
    styles = [s for s in _DIAL_STYLES if s != stored_style]
    return format_phone(national, styles[sim.rnd.randrange(len(styles))])


def generate_pbx(w: LandingWriter, sim: Sim, pop: Population, org: Org, crm: CrmState) -> None:
    w.open_tables([TABLE])
    rnd = sim.rnd
    staff = org.staff
    exts = [staff[i].extension for i in org.with_extension]
    calls = _Calls(w, sim)
    tl = sim.tl
    for rank, p in enumerate(pop.crm_order.tolist()):
        created = int(pop.crm_t[p])
        owner = int(pop.owner[p])
        owner_ext = staff[owner].extension if owner >= 0 else None
        style = crm.phone_styles[p]
        # the first client (pinned person 0, who has an owner) gets three scripted calls in
        # settled history: from the owner's extension, from another one, and inbound
        for k in range(sim.count(created, 3.0) + (3 if rank == 0 else 0)):
            t = sim.settled_time(created) if rank == 0 and k < 3 else sim.child_time(created)
            second = pop.phone2[p] and rnd.random() < 0.2 and not (rank == 0 and k < 3)
            national = f"{int(pop.phone2[p] if second else pop.phone[p]):011d}"
            r = rnd.random() if k >= 3 else (0.5, 0.8, 0.95)[k]
            if r < 0.72 and owner_ext is not None:
                calls.call(t, owner_ext, "outbound", _dial(sim, national, style))
            elif r < 0.9:
                others = [e for e in exts if e != owner_ext]
                calls.call(
                    t, others[rnd.randrange(len(others))], "outbound", _dial(sim, national, style)
                )
            else:
                ext = owner_ext or exts[rnd.randrange(len(exts))]
                calls.call(t, ext, "inbound", _dial(sim, national, style))
        if rank == 0 and owner_ext is not None and tl.days > 1:  # and one in a delta
            national = f"{int(pop.phone[p]):011d}"
            calls.call(tl.window_time(rnd), owner_ext, "outbound", _dial(sim, national, style))
    total = calls.next_id
    lo = int(pop.crm_t[pop.crm_order[0]]) if len(pop.crm_order) else 0
    # numbers shared by two clients (the first call to each is settled history)
    for number in pop.ambiguous_numbers:
        for j in range(1 + rnd.randrange(3)):
            t = sim.settled_time(lo) if j == 0 else sim.child_time(lo)
            calls.call(t, exts[rnd.randrange(len(exts))], "outbound", _dial(sim, number, 3))
    # numbers that belong to nobody (wrong numbers, prospects not in the crm)
    for j in range(max(3, total // 12)):
        national = f"{rnd.choice(_UNKNOWN_AREAS)}9{rnd.randint(10_000_000, 99_999_999)}"
        direction = "inbound" if rnd.random() < 0.3 else "outbound"
        t = sim.settled_time(lo) if j == 0 else sim.child_time(lo)
        calls.call(t, exts[rnd.randrange(len(exts))], direction, _dial(sim, national, 3))
    w.close_tables([TABLE])
