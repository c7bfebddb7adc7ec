"""crm: campaigns, clients and their notes, opportunities, tasks and interactions."""

from __future__ import annotations

from carteira.generator.documents import format_phone
from carteira.generator.names import CAMPAIGN_NAMES, CITIES, NOTE_BODIES, SUBJECTS, email_for
from carteira.generator.org import Org
from carteira.generator.population import Population
from carteira.generator.sim import Sim
from carteira.generator.timeline import DAY, HOUR, MINUTE
from carteira.generator.writers import LandingWriter

TABLES = (
    "crm__campaigns",
    "crm__clients",
    "crm__client_notes",
    "crm__opportunities",
    "crm__tasks",
    "crm__interactions",
)
SOURCES = ("website", "referral", "facebook", "walk_in", "google_forms", "instagram")
GROUPS = ("standard", "standard", "standard", "vip", "corporate")
TASK_TYPES = ("appointment", "call", "email", "visit", "other")
_STAGE_PATHS = (
    ("contacted",),
    ("contacted", "qualified"),
    ("contacted", "qualified", "won"),
    ("contacted", "won"),
    ("contacted", "qualified", "lost"),
    ("lost",),
)
CHANNELS = ("email", "sms", "whatsapp", "phone", "notification", "meeting")


def phone_style(sim: Sim) -> int:
    """How the crm stores a number; style 4 (no area code) is a rare user error."""
    r = sim.rnd.random()
    return 4 if r < 0.05 else sim.rnd.choice((0, 0, 1, 2, 3, 5))


class CrmState:
    """What other domains need from crm: campaign starts and clients' stored phone styles."""

    def __init__(self) -> None:
        self.campaign_starts: list[int] = []  # day index of each campaign start
        self.phone_styles: dict[int, int] = {}  # person -> style of the stored main phone


def generate_crm(w: LandingWriter, sim: Sim, pop: Population, org: Org) -> CrmState:
    w.open_tables(TABLES)
    state = CrmState()
    _campaigns(w, sim, state)
    ids = {"note": 0, "opp": 0, "task": 0, "int": 0}
    tl = sim.tl
    pre_run = 0  # clients created before the run that are free for the deltas' stories
    for rank, p in enumerate(pop.crm_order.tolist()):
        created = int(pop.crm_t[p])
        forced_slot = -1
        if created < tl.start_t and not pop.is_pinned(p):
            forced_slot = pre_run
            pre_run += 1
        _client(w, sim, pop, org, state, p, rank + 1, created, forced_slot)
        cid = f"c_{rank + 1:06d}"
        _children(w, sim, pop, org, state, p, cid, created, ids)
    w.close_tables(TABLES)
    return state


def _campaigns(w: LandingWriter, sim: Sim, state: CrmState) -> None:
    tl = sim.tl
    every = sim.scale.campaign_every_days
    day = 30
    k = 0
    last_day = tl.end // DAY - 1
    while day <= last_day:
        k += 1
        t0 = day * DAY + 9 * HOUR
        if day > tl.start_t // DAY:
            t0 = tl.window_time(sim.rnd, day - tl.start_t // DAY)
            t0 = min(t0, day * DAY + 9 * HOUR)
        name = f"{CAMPAIGN_NAMES[k % len(CAMPAIGN_NAMES)]} {tl.date_of_day(day).year}"
        length = sim.rnd.randint(20, 60)
        ends = day + length if sim.rnd.random() < 0.85 else None
        cid = f"cp_{k:03d}"
        versions = [(t0 - 5 * DAY, (cid, name, day, ends, t0 - 5 * DAY))]
        if ends is None:  # open-ended campaigns get closed eventually
            t1 = (day + 90) * DAY + 10 * HOUR
            versions.append((t1, (cid, name, day, day + 90, t1)))
        w.emit("crm__campaigns", versions)
        state.campaign_starts.append(day)
        day += every
    # one campaign launched during the run (a new record in a delta)
    if tl.days > 1:
        k += 1
        t0 = tl.window_time(sim.rnd, 1)
        d0 = t0 // DAY
        w.emit(
            "crm__campaigns",
            [(t0, (f"cp_{k:03d}", f"Relâmpago {tl.date_of_day(d0).year}", d0, d0 + 10, t0))],
        )
        state.campaign_starts.append(d0)


def _client(
    w: LandingWriter,
    sim: Sim,
    pop: Population,
    org: Org,
    state: CrmState,
    p: int,
    num: int,
    created: int,
    forced: int,
) -> None:
    """One client; ``forced`` (an index among the unpinned pre-run clients) picks the ones
    changed during the run: 0 reassigned, 1 soft-deleted, 2 contact data updated. Pinned
    clients never change at random (their scripted roles must hold on every day)."""
    rnd = sim.rnd
    cid = f"c_{num:06d}"
    pinned = pop.is_pinned(p)
    style = phone_style(sim)
    if style == 4 and (pinned or f"{int(pop.phone[p]):011d}" in pop.ambiguous_numbers):
        style = 0  # keep scripted and shared numbers matchable (matched / ambiguous calls)
    state.phone_styles[p] = style
    phones = [format_phone(f"{int(pop.phone[p]):011d}", style)]
    if pop.phone2[p]:
        phones.append(format_phone(f"{int(pop.phone2[p]):011d}", rnd.choice((0, 3))))
    name = pop.names[p]
    email = email_for(name, num) if rnd.random() < 0.85 else None
    owner_idx = int(pop.owner[p])
    owner = org.staff[owner_idx].staff_id if owner_idx >= 0 else None
    doc = sim.doc_text(pop.documents[p], style=1)  # person 0 punctuated in the crm
    city = CITIES[int(pop.city[p])][0] if rnd.random() < 0.9 else None
    source = rnd.choice(SOURCES) if rnd.random() < 0.9 else None
    group = rnd.choice(GROUPS) if rnd.random() < 0.95 else None

    def row(t: int, deleted: int | None = None) -> tuple[object, ...]:
        return (
            cid,
            name,
            doc,
            email,
            list(phones),
            source,
            group,
            owner,
            city,
            created,
            t,
            deleted,
        )

    versions = [(created, row(created))]
    t = created
    p_change = 0.0 if pinned else 1.0
    tr = sim.change_time(t, 0.08 * p_change, forced=forced == 0)
    if tr is not None:  # reassigned to another seller
        new_owner = org.staff[org.sellers[rnd.randrange(len(org.sellers))]].staff_id
        if new_owner == owner:
            new_owner = (
                org.staff[org.sellers[0]].staff_id
                if owner != org.staff[org.sellers[0]].staff_id
                else org.staff[org.sellers[-1]].staff_id
            )
        owner = new_owner
        versions.append((tr, row(tr)))
        t = tr
    tu = sim.change_time(t, 0.10 * p_change, forced=forced == 2)
    if tu is not None:  # contact data updated
        email = email_for(name, num, "gmail.com")
        versions.append((tu, row(tu)))
        t = tu
    td = sim.change_time(t, 0.02 * p_change, forced=forced == 1)
    if td is not None:
        versions.append((td, row(td, td)))
    w.emit("crm__clients", versions)


def _children(
    w: LandingWriter,
    sim: Sim,
    pop: Population,
    org: Org,
    state: CrmState,
    p: int,
    cid: str,
    created: int,
    ids: dict[str, int],
) -> None:
    rnd = sim.rnd
    tl = sim.tl
    staff = org.staff
    owner_idx = int(pop.owner[p])
    n_staff = len(staff)

    def any_staff() -> str:
        return staff[rnd.randrange(n_staff)].staff_id

    # the first client (pinned person 0) carries the scripted children: they are settled
    # history (in the first day's full export); their changes come in the deltas
    first_clients = ids["note"] == 0 and ids["task"] == 0

    def when(lo: int, scripted: bool) -> int:
        return sim.settled_time(lo) if scripted else sim.child_time(lo)

    # notes
    for _ in range(sim.count(created, 0.25) + (3 if first_clients else 0)):
        ids["note"] += 1
        n = ids["note"]
        nid = f"n_{n:07d}"
        t0 = when(created, first_clients and n <= 3)
        kind = ("warning", "contact", "reference")[n % 3]
        body = NOTE_BODIES[rnd.randrange(len(NOTE_BODIES))]
        author = any_staff() if rnd.random() < 0.9 else None
        versions = [(t0, (nid, cid, kind, body, author, t0, t0, None))]
        te = sim.change_time(t0, 0.08, forced=n == 2)
        if te is not None:
            body = body + "\nAtualizado: cliente confirmou os dados."
            versions.append((te, (nid, cid, kind, body, author, t0, te, None)))
        tdel = sim.change_time(versions[-1][0], 0.03, forced=n == 3)
        if tdel is not None:
            versions.append((tdel, (nid, cid, kind, body, author, t0, tdel, tdel)))
        w.emit("crm__client_notes", versions)
    # opportunities (each with follow-up tasks)
    opps: list[tuple[str, int]] = []
    for _ in range(sim.count(created, 0.35) + (2 if first_clients else 0)):
        ids["opp"] += 1
        n = ids["opp"]
        oid = f"o_{n:07d}"
        t0 = when(created, first_clients and n <= 2)
        day0 = t0 // DAY
        camp = None
        if rnd.random() < 0.85:
            started = [k for k, d in enumerate(state.campaign_starts) if d <= day0]
            if started:
                camp = f"cp_{started[-1] + 1:03d}"
        r = rnd.random()
        if r < 0.65 and owner_idx >= 0:
            owner = staff[owner_idx].staff_id
        elif r < 0.9 or n == 1:
            owner = staff[org.sellers[rnd.randrange(len(org.sellers))]].staff_id
        else:
            owner = None
        amount = rnd.randint(200, 50_000) * 100 if rnd.random() < 0.8 else None
        versions = [(t0, (oid, cid, camp, owner, "new", amount, t0, t0, None))]
        t = t0
        path = _STAGE_PATHS[rnd.randrange(len(_STAGE_PATHS))] if n > 1 else _STAGE_PATHS[2]
        for stage in path:
            tc = sim.change_time(t, 0.85, forced=n == 1 and stage == "contacted")
            if tc is None:
                break
            t = tc
            versions.append((t, (oid, cid, camp, owner, stage, amount, t0, t, None)))
        tdel = sim.change_time(t, 0.03, forced=n == 2)
        if tdel is not None:
            last = versions[-1][1]
            versions.append((tdel, (*last[:7], tdel, tdel)))
        w.emit("crm__opportunities", versions)
        opps.append((oid, t0))
    # tasks, appointments among them
    n_tasks = sim.count(created, 0.9) + len(opps) + (4 if first_clients else 0)
    for j in range(n_tasks):
        ids["task"] += 1
        n = ids["task"]
        tid = f"t_{n:07d}"
        opp = opps[j] if j < len(opps) else None
        lo = opp[1] if opp else created
        t0 = when(lo, first_clients and n <= 4)
        ttype = "appointment" if n <= 4 else TASK_TYPES[rnd.randrange(5)]
        assigned = (
            (staff[owner_idx].staff_id if owner_idx >= 0 and rnd.random() < 0.7 else any_staff())
            if rnd.random() < 0.95
            else None
        )
        creator = any_staff() if rnd.random() < 0.92 else None
        due = t0 + rnd.randint(2, 20 * 24) * HOUR
        due -= due % (30 * MINUTE)
        base = (tid, cid, opp[0] if opp else None, ttype, assigned, creator, due)

        def trow(
            t: int,
            done_at: int | None,
            status: str,
            deleted: int | None = None,
            base: tuple[object, ...] = base,
            t0: int = t0,
        ) -> tuple[object, ...]:
            return (*base, done_at, status, t0, t, deleted)

        versions = [(t0, trow(t0, None, "open"))]
        outcome = (
            ("done", "cancelled", "open", "done")[n - 1]
            if n <= 4
            else rnd.choices(("done", "cancelled", "open"), (0.7, 0.12, 0.18))[0]
        )
        if outcome != "open":
            # appointment 4 was done long ago; 1 and 2 are done / cancelled in a delta
            tc = (
                tl.business_time(rnd, t0 // DAY + rnd.randint(1, 10))
                if n == 4
                else sim.change_time(t0, 1.0, forced=n <= 2)
            )
            if tc is not None and outcome == "done":
                versions.append((tc, trow(tc, tc, "done")))
            elif tc is not None:
                versions.append((tc, trow(tc, None, "cancelled")))
        scripted = first_clients and n <= 4  # never deleted at random
        tdel = sim.change_time(versions[-1][0], 0.0 if scripted else 0.02, forced=n == 5)
        if tdel is not None:
            last = versions[-1][1]
            versions.append((tdel, (*last[:10], tdel, tdel)))
        w.emit("crm__tasks", versions)
    # interactions on every channel
    for _ in range(sim.count(created, 3.0) + (6 if first_clients else 0)):
        ids["int"] += 1
        n = ids["int"]
        t0 = when(created, first_clients and n <= 6)
        channel = CHANNELS[n % 6] if n <= 6 else CHANNELS[rnd.randrange(6)]
        sid = (
            None
            if channel == "notification"
            else (
                staff[owner_idx].staff_id if owner_idx >= 0 and rnd.random() < 0.6 else any_staff()
            )
        )
        direction = "inbound" if channel != "notification" and rnd.random() < 0.3 else "outbound"
        subject = SUBJECTS[rnd.randrange(len(SUBJECTS))] if rnd.random() < 0.85 else None
        w.emit(
            "crm__interactions",
            [(t0, (f"i_{n:08d}", cid, sid, channel, direction, t0, subject, t0))],
        )
