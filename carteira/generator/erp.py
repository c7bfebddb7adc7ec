"""erp: companies, products, customers and everything sold, billed, collected and serviced.

Per customer the simulation walks its whole life: quotes and orders (with items,
deliveries and returns), titles in installments and their payments (on time, late,
partial, reversed), collection and credit-bureau steps, renegotiation agreements
that replace overdue titles, service orders, furniture projects with contracts and
purchase orders, and the schedule of deliveries, visits and assemblies. Buying is
concentrated in some calendar years, so some customers have empty years.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from carteira.generator.documents import format_phone
from carteira.generator.names import (
    CITIES,
    EQUIPMENT,
    PART_DESCRIPTIONS,
    PRODUCT_CATALOGUE,
    RETURN_REASONS,
    SERVICE_DESCRIPTIONS,
    SIZES,
    SPECIFIERS,
    SUPPLIERS,
    email_for,
    person_name,
)
from carteira.generator.org import Org
from carteira.generator.population import Population
from carteira.generator.sim import YEAR, Sim
from carteira.generator.timeline import DAY, HOUR, MINUTE
from carteira.generator.writers import LandingWriter

TABLES = tuple(
    f"erp__{t}"
    for t in (
        "companies",
        "customers",
        "products",
        "quotes",
        "orders",
        "order_items",
        "receivables",
        "payments",
        "negotiations",
        "service_orders",
        "service_order_lines",
        "returns",
        "projects",
        "contracts",
        "purchase_orders",
        "schedule_events",
    )
)
COMPANIES = (
    (1, "Carteira Móveis Ltda."),
    (2, "Carteira Studio Fitness Ltda."),
    (3, "Carteira Assistência Técnica ME"),
)
METHODS = ("cash", "card", "pix", "boleto", "transfer")
# what happens to a title; the first titles of a run cycle through all of them
FATES = (
    "on_time",
    "late",
    "partial",
    "reversed",
    "collection",
    "bureau",
    "renegotiate",
    "cancelled",
    "on_time",
    "late",
)
_FATE_W = {
    "good": (0.86, 0.08, 0.02, 0.01, 0.01, 0.0, 0.0, 0.02, 0, 0),
    "late": (0.35, 0.40, 0.08, 0.02, 0.06, 0.03, 0.04, 0.02, 0, 0),
    "bad": (0.15, 0.25, 0.10, 0.03, 0.15, 0.12, 0.18, 0.02, 0, 0),
}


@dataclass
class _Pending:
    """A title waiting for a renegotiation agreement (emitted once its fate is known)."""

    company: int
    due: int
    amount: int
    versions: list[tuple[int, tuple[object, ...]]]
    scripted: bool = False  # the scripted story: its agreement is never cancelled


@dataclass
class _Product:
    pid: int
    price: int  # cents
    category: str


@dataclass
class _Ids:
    counters: dict[str, int] = field(default_factory=dict)

    def next(self, name: str) -> int:
        n = self.counters.get(name, 0) + 1
        self.counters[name] = n
        return n

    def peek(self, name: str) -> int:
        return self.counters.get(name, 0)


class _Erp:
    def __init__(self, w: LandingWriter, sim: Sim, pop: Population, org: Org) -> None:
        self.w = w
        self.sim = sim
        self.rnd = sim.rnd
        self.tl = sim.tl
        self.pop = pop
        self.org = org
        self.ids = _Ids()
        self.products: list[_Product] = []
        self.scripted_fates = list(FATES)
        self.technicians = [person_name(sim.rnd) for _ in range(4)]
        self.project_staff = [
            i for i, s in enumerate(org.staff) if s.department_id == "d_07"
        ] or org.sellers

    # ---------------------------------------------------------------- reference data
    def reference(self) -> None:
        w, rnd = self.w, self.rnd
        t0 = 3 * DAY + 8 * HOUR
        for cid, name in COMPANIES:
            w.emit("erp__companies", [(t0, (cid, name, t0))])
        for i in range(1, self.sim.scale.products + 1):
            name, cat = PRODUCT_CATALOGUE[(i - 1) % len(PRODUCT_CATALOGUE)]
            if i > len(PRODUCT_CATALOGUE):
                name = f"{name} mod. {i}"
            price = rnd.randint(20, 4000) * 100 + rnd.choice((0, 90, 99, 50))
            self.products.append(_Product(i, price, cat))
            code = f"P{i:05d}"
            versions = [(t0 + i, (i, code, name, cat, t0 + i))]
            if i == 2:  # the catalogue is corrected during the run
                tc = self.sim.change_time(t0, 1.0, forced=True)
                assert tc is not None
                versions.append((tc, (i, code, name + " (nova versão)", cat, tc)))
            w.emit("erp__products", versions)

    # ---------------------------------------------------------------- customers
    def customers(self) -> None:
        pop, sim, rnd = self.pop, self.sim, self.rnd
        for rank, p in enumerate(pop.erp_order.tolist()):
            code = f"C{rank + 1:06d}"
            created = int(pop.erp_t[p])
            name = pop.names[p]
            doc = sim.doc_text(pop.documents[p], style=1)  # person 0 punctuated here
            email = email_for(name, rank + 1, "cliente.com.br") if rnd.random() < 0.7 else None
            phone = format_phone(f"{int(pop.phone[p]):011d}", rnd.choice((0, 1, 2, 3)))
            city = CITIES[int(pop.city[p])][0] if rnd.random() < 0.95 else None
            versions = [(created, (code, name, doc, email, phone, city, created, None))]
            tu = sim.change_time(created, 0.1, forced=rank == 1)
            if tu is not None:
                phone = format_phone(f"{int(pop.phone[p]):011d}", 0)
                versions.append((tu, (code, name, doc, email, phone, city, tu, None)))
            p_del = 0.0 if pop.is_pinned(p) else 0.02
            td = sim.change_time(versions[-1][0], p_del, forced=rank == 2)
            if td is not None:
                versions.append((td, (code, name, doc, email, phone, city, td, td)))
            self.w.emit("erp__customers", versions)
            self.customer_life(code, created, rank)

    def customer_life(self, code: str, created: int, rank: int) -> None:
        """One customer's whole life. The first customer (pinned person 0, five years old)
        carries the scripted stories, all settled history before the run: sales whose
        titles take every collection fate, a cancelled order, a return, service orders with
        part and service lines and without lines, a project with three contracts (one
        cancelled) and one without contract; and, when the run has deltas, a title paid
        during the run."""
        sim, rnd, tl = self.sim, self.rnd, self.tl
        profile = rnd.choices(("good", "late", "bad"), (0.7, 0.2, 0.1))[0]
        first = rank == 0
        if first:
            profile = "bad"
        seller = self.org.sellers[rnd.randrange(len(self.org.sellers))]
        renegotiate: list[_Pending] = []
        if first:
            # orders 1-3: titles in 6 + 4 installments take the 10 scripted fates (FATES);
            # order 3 is cancelled
            for k, (n_inst, cancel) in enumerate(((6, False), (4, False), (None, True))):
                t0 = tl.business_time(rnd, created // DAY + 20 * (k + 1))
                self.sale(
                    code,
                    created,
                    t0,
                    seller,
                    profile,
                    renegotiate,
                    None,
                    n_inst=n_inst,
                    cancel=cancel,
                )
            if tl.days > 1:  # a title due before the run, paid in the first delta
                t0 = tl.business_time(rnd, tl.start_t // DAY - 40)
                self.sale(
                    code,
                    created,
                    t0,
                    seller,
                    profile,
                    renegotiate,
                    None,
                    company=1,
                    n_inst=1,
                    cancel=False,
                    fate="paid_in_run",
                )
        # buying years: each calendar year active or not (gaps of empty years)
        y = created
        while y < tl.end:
            y_end = min(tl.end, y + YEAR)
            active = (y - created) // YEAR != 1 if first else rnd.random() < 0.7
            if active:
                n = sim.poisson(1.3 * sim.scale.activity)
                for _ in range(n):
                    t0 = tl.history_time(rnd, y, y_end)
                    if tl.days > 1 and rnd.random() < sim.scale.window_boost:
                        t0 = max(t0, tl.window_time(rnd))
                    self.sale(code, created, t0, seller, profile, renegotiate, None)
            y = y_end
        for k in range(sim.count(created, 0.4) + (2 if first else 0)):
            t0 = sim.settled_time(created) if first and k == 0 else sim.child_time(created)
            self.lost_quote(code, t0, seller)
        if first:
            self.service_order(code, sim.settled_time(created), script="lines")
            self.service_order(code, sim.settled_time(created), script="cancelled")
        for _ in range(sim.count(created, 0.15)):
            self.service_order(code, sim.child_time(created))
        for k in range(sim.count(created, 0.12) + (2 if first else 0)):
            forced = first and k == 0
            t0 = sim.settled_time(created) if first and k < 2 else sim.child_time(created)
            self.project(code, t0, profile, renegotiate, forced=forced)
        self.negotiation(code, renegotiate, profile)

    # ---------------------------------------------------------------- sales
    def email(self, idx: int) -> str | None:
        return self.org.erp_email(self.rnd, idx) if self.rnd.random() < 0.93 else None

    def sale(
        self,
        code: str,
        lo: int,
        t0: int,
        seller: int,
        profile: str,
        renegotiate: list[_Pending],
        contract_id: int | None,
        company: int | None = None,
        n_inst: int | None = None,
        cancel: bool | None = None,
        fate: str | None = None,
    ) -> None:
        """A quote (sometimes), an order with items, titles, payments, delivery and returns.

        ``n_inst``, ``cancel`` and ``fate`` (of every title) script what is otherwise drawn.
        """
        rnd, w = self.rnd, self.w
        company = company or rnd.choice((1, 1, 1, 2))
        order_id = self.ids.next("order")
        items: list[tuple[int, int, int, int, int]] = []  # id, product, qty, price, disc
        for _ in range(rnd.choice((1, 1, 2, 2, 3, 4))):
            prod = self.products[rnd.randrange(len(self.products))]
            qty = rnd.choice((100, 100, 100, 200, 300, 150, 250))
            price = prod.price
            gross = qty * price // 100
            disc = rnd.randint(5, 15) * gross // 100 if rnd.random() < 0.25 else 0
            item_id = self.ids.next("item")
            lot = (
                f"L{self.tl.date_of_day(t0 // DAY).year}-{rnd.randint(1, 999):04d}"
                if prod.category not in ("Vestuário", "Calçados") and rnd.random() < 0.6
                else None
            )
            size = (
                SIZES[rnd.randrange(len(SIZES))]
                if prod.category in ("Vestuário", "Calçados")
                else None
            )
            w.emit(
                "erp__order_items",
                [(t0, (item_id, order_id, prod.pid, qty, price, disc, lot, size, t0))],
            )
            items.append((item_id, prod.pid, qty, price, disc))
        amount = sum(q * p // 100 - d for _, _, q, p, d in items)
        quote_id = None
        if contract_id is None and (rnd.random() < 0.35 or order_id <= 2):
            quote_id = self.ids.next("quote")
            tq = t0 - rnd.randint(1, 15) * DAY - rnd.randint(0, 300) * MINUTE
            tq = max(tq, lo + MINUTE)
            row = [
                quote_id,
                company,
                code,
                self.email(seller),
                tq,
                tq // DAY + 15,
                "open",
                amount,
                tq,
            ]
            w.emit("erp__quotes", [(tq, tuple(row)), (t0, (*row[:6], "won", amount, t0))])
        sp = self.email(seller)
        order_code = f"V{company}-{order_id:07d}"
        promised = t0 // DAY + rnd.randint(5, 30) if rnd.random() < 0.9 else None
        base = (order_id, company, order_code, code, sp, t0)

        def orow(
            t: int, status: str, delivered: int | None, invoice: str | None
        ) -> tuple[object, ...]:
            return (*base, status, promised, delivered, invoice, quote_id, contract_id, t)

        versions = [(t0, orow(t0, "open", None, None))]
        cancelled = rnd.random() < 0.06
        if cancel is not None:
            cancelled = cancel
        t_inv = t0 + rnd.randint(30, 3 * 24 * 60) * MINUTE
        invoice = f"NF{company}{order_id:08d}"
        t_cancel = None
        if cancelled and rnd.random() < 0.5:  # cancelled before invoicing: no titles
            t_cancel = t0 + rnd.randint(10, 24 * 60) * MINUTE
            versions.append((t_cancel, orow(t_cancel, "cancelled", None, None)))
            w.emit("erp__orders", versions)
            return
        versions.append((t_inv, orow(t_inv, "invoiced", None, invoice)))
        deliver_day = None
        if cancelled:
            t_cancel = t_inv + rnd.randint(1, 10) * DAY
            versions.append((t_cancel, orow(t_cancel, "cancelled", None, invoice)))
        else:
            deliver_day = max(t_inv // DAY + 1, (promised or t0 // DAY + 10) + rnd.randint(-3, 8))
            td = self.tl.business_time(rnd, deliver_day)
            versions.append((td, orow(td, "delivered", deliver_day, invoice)))
        w.emit("erp__orders", versions)
        self.titles(
            code,
            company,
            order_id,
            invoice,
            t_inv,
            amount,
            profile,
            renegotiate,
            t_cancel,
            n_inst=n_inst,
            fate=fate,
        )
        if promised is not None:
            self.event(
                code,
                company,
                "delivery",
                self.tl.business_time(rnd, promised),
                seller,
                order_id,
                done_at=self.tl.business_time(rnd, deliver_day) if deliver_day else None,
                cancel_at=t_cancel,
                lo=t0,
            )
        if deliver_day is not None:
            for item_id, _pid, qty, price, disc in items:
                first = (
                    self.ids.peek("return") == 0 and deliver_day * DAY < self.tl.start_t - 40 * DAY
                )
                if rnd.random() < 0.03 or first:
                    self.item_return(item_id, deliver_day, qty, price, disc)

    def titles(
        self,
        code: str,
        company: int,
        order_id: int | None,
        doc: str,
        t_issue: int,
        amount: int,
        profile: str,
        renegotiate: list[_Pending],
        t_cancel: int | None,
        negotiation_id: int | None = None,
        n_inst: int | None = None,
        fate: str | None = None,
    ) -> list[int]:
        """Split ``amount`` into installments and simulate each title's life."""
        rnd = self.rnd
        n = n_inst or rnd.choice((1, 1, 2, 3, 3, 4, 6))
        each = amount // n
        issue_day = t_issue // DAY
        paid_days: list[int] = []
        for i in range(1, n + 1):
            amt = each if i < n else amount - each * (n - 1)
            due = issue_day + 30 * i
            scripted = False
            if t_cancel is not None:
                title_fate = "cancelled"
            elif fate is not None:
                title_fate = fate
            elif (
                self.scripted_fates
                and negotiation_id is None
                and due * DAY < self.tl.start_t - 150 * DAY
            ):
                title_fate = self.scripted_fates.pop(0)  # every story at least once, in history
                scripted = True
            else:
                title_fate = rnd.choices(FATES, _FATE_W[profile])[0]
                if negotiation_id is not None and title_fate == "renegotiate":
                    title_fate = "late"
            paid_days.append(
                self.title(
                    code,
                    company,
                    order_id,
                    negotiation_id,
                    f"{doc}-{i}",
                    i,
                    n,
                    issue_day,
                    t_issue,
                    due,
                    amt,
                    title_fate,
                    renegotiate,
                    t_cancel,
                    scripted,
                )
            )
        return paid_days

    def title(
        self,
        code: str,
        company: int,
        order_id: int | None,
        negotiation_id: int | None,
        doc: str,
        inst: int,
        n: int,
        issue_day: int,
        t_issue: int,
        due: int,
        amt: int,
        fate: str,
        renegotiate: list[_Pending],
        t_cancel: int | None,
        scripted: bool = False,
    ) -> int:
        """One receivable and its payments; returns the day its balance reached zero (or -1)."""
        rnd, tl, w = self.rnd, self.tl, self.w
        rid = self.ids.next("receivable")
        fields: dict[str, int | None] = {
            "cancelled_on": None,
            "renegotiated_on": None,
            "credit_bureau_on": None,
            "collection_on": None,
        }
        events: list[tuple[int, str, int]] = []  # (time, field, day)
        payments: list[tuple[int, int, int | None]] = []  # (day, amount, reversed-at time)
        settled = -1

        def bt(day: int) -> int:
            return tl.business_time(rnd, day)

        if fate == "cancelled":
            day = (t_cancel // DAY) if t_cancel is not None else issue_day + rnd.randint(1, 20)
            events.append((max(t_cancel or 0, bt(day)), "cancelled_on", day))
        elif fate == "on_time":
            payments.append((max(issue_day, due - rnd.randint(0, 5)), amt, None))
        elif fate == "paid_in_run":  # due before the run, paid (late) on its first delta day
            payments.append((max(due, tl.start_t // DAY + 1), amt, None))
        elif fate == "late":
            day = due + rnd.randint(1, 60)
            if day > due + 30:
                events.append((bt(due + 30), "collection_on", due + 30))
            payments.append((day, amt, None))
        elif fate == "partial":
            part = amt * rnd.randint(40, 70) // 100
            payments.append((due + rnd.randint(-2, 10), part, None))
            payments.append((due + rnd.randint(20, 90), amt - part, None))
        elif fate == "reversed":
            payments.append((due, amt, bt(due + rnd.randint(2, 5))))
            payments.append((due + rnd.randint(10, 30), amt, None))
        elif fate in ("collection", "bureau"):
            events.append((bt(due + 30), "collection_on", due + 30))
            if fate == "bureau":
                events.append((bt(due + 60), "credit_bureau_on", due + 60))
        base = (rid, company, code, order_id, negotiation_id, doc, inst, n, issue_day, due, amt)

        def rrow(t: int) -> tuple[object, ...]:
            return (
                *base,
                fields["cancelled_on"],
                fields["renegotiated_on"],
                fields["credit_bureau_on"],
                fields["collection_on"],
                t,
            )

        versions = [(t_issue, rrow(t_issue))]
        for t, name, day in sorted(events):
            fields[name] = day
            versions.append((max(t, versions[-1][0] + MINUTE), rrow(t)))
        versions = self._fix_times(versions, 15)
        if fate == "renegotiate":  # delivered once the agreement (if any) is known
            renegotiate.append(_Pending(company, due, amt, versions, scripted))
        else:
            w.emit("erp__receivables", versions)
        balance = amt
        for day, pamt, reversed_at in payments:
            pid = self.ids.next("payment")
            t = max(bt(day), t_issue + MINUTE)
            method = METHODS[rnd.randrange(len(METHODS))]
            row = (pid, rid, t // DAY, pamt, method, t, None)
            pv = [(t, row)]
            if reversed_at is not None:
                tr = max(reversed_at, t + HOUR)
                pv.append((tr, (*row[:5], tr, tr)))
            else:
                balance -= pamt
                if balance <= 0 and settled < 0:
                    settled = t // DAY
            w.emit("erp__payments", pv)
        return settled

    def _fix_times(
        self, versions: list[tuple[int, tuple[object, ...]]], ts_col: int
    ) -> list[tuple[int, tuple[object, ...]]]:
        """Make version times strictly increasing and equal to the row's ``updated_at``."""
        out: list[tuple[int, tuple[object, ...]]] = []
        last = -1
        for t, row in versions:
            t = max(t, last + MINUTE)
            row = (*row[:ts_col], t, *row[ts_col + 1 :])
            out.append((t, row))
            last = t
        return out

    def negotiation(self, code: str, titles: list[_Pending], profile: str) -> None:
        """Agreements replacing overdue titles; the old titles get ``renegotiated_on``."""
        rnd, tl, w = self.rnd, self.tl, self.w
        groups: list[list[_Pending]] = []
        for title in sorted(titles, key=lambda t: (t.company, t.due)):
            g = groups[-1] if groups else None
            if g and g[0].company == title.company and title.due - g[0].due <= 120:
                g.append(title)
            else:
                groups.append([title])
        for group in groups:
            company = group[0].company
            agreed_day = max(t.due for t in group) + rnd.randint(20, 60)
            t_agree = tl.business_time(rnd, agreed_day)
            if t_agree >= tl.end:  # not agreed yet: the titles just stay overdue
                for title in group:
                    w.emit("erp__receivables", title.versions)
                continue
            for title in group:
                last = title.versions[-1][1]
                row = (*last[:12], agreed_day, *last[13:15], t_agree)
                w.emit("erp__receivables", [*title.versions, (t_agree, row)])
            nid = self.ids.next("negotiation")
            debt = sum(t.amount for t in group)
            agreed = debt * rnd.randint(85, 110) // 100
            n = rnd.randint(2, 6)
            doc = f"AC-{nid:06d}"
            base = (nid, company, code, doc, agreed_day, debt, agreed, n)
            versions = [(t_agree, (*base, "active", t_agree))]
            if rnd.random() < 0.05 and not any(t.scripted for t in group):
                tc = t_agree + rnd.randint(1, 5) * DAY
                versions.append((tc, (*base, "cancelled", tc)))
            else:
                paid = self.titles(
                    code,
                    company,
                    None,
                    doc,
                    t_agree + MINUTE,
                    agreed,
                    profile,
                    [],
                    None,
                    negotiation_id=nid,
                    n_inst=n,
                )
                if all(d >= 0 for d in paid):
                    ts = tl.business_time(rnd, max(paid) + 1)
                    versions.append((ts, (*base, "settled", ts)))
                elif rnd.random() < 0.5:
                    tb = tl.business_time(rnd, agreed_day + 30 * n + 60)
                    versions.append((tb, (*base, "broken", tb)))
            w.emit("erp__negotiations", versions)

    def lost_quote(self, code: str, t0: int, seller: int) -> None:
        rnd = self.rnd
        qid = self.ids.next("quote")
        company = rnd.choice((1, 1, 2))
        amount = rnd.randint(100, 30_000) * 100
        valid = t0 // DAY + rnd.choice((7, 15, 30))
        row = (qid, company, code, self.email(seller), t0, valid, "open", amount, t0)
        versions = [(t0, row)]
        r = rnd.random()
        if r < 0.45:
            tl_ = t0 + rnd.randint(1, 10) * DAY
            versions.append((tl_, (*row[:6], "lost", amount, tl_)))
        elif r < 0.9:
            te = self.tl.business_time(rnd, valid + 1)
            versions.append((te, (*row[:6], "expired", amount, te)))
        self.w.emit("erp__quotes", versions)
        if rnd.random() < 0.3:
            self.event(
                code,
                company,
                "follow_up_call",
                t0 + rnd.randint(2, 5) * DAY,
                seller,
                None,
                done_at=t0 + 6 * DAY if rnd.random() < 0.6 else None,
                cancel_at=None,
                lo=t0,
            )

    def item_return(self, item_id: int, deliver_day: int, qty: int, price: int, disc: int) -> None:
        rnd = self.rnd
        rid = self.ids.next("return")
        day = deliver_day + rnd.randint(1, 30)
        t = self.tl.business_time(rnd, day)
        rq = 100 if qty >= 100 else qty
        refund = rq * price // 100 - disc * rq // qty
        reason = RETURN_REASONS[rnd.randrange(len(RETURN_REASONS))] if rnd.random() < 0.85 else None
        self.w.emit("erp__returns", [(t, (rid, item_id, day, rq, reason, refund, t))])

    # ---------------------------------------------------------------- services
    def service_order(self, code: str, t0: int, script: str | None = None) -> None:
        """A service order; ``script`` ``"lines"`` (done, a part and a service line) or
        ``"cancelled"`` (no lines) forces the outcome."""
        rnd, w = self.rnd, self.w
        sid = self.ids.next("service_order")
        equipment = EQUIPMENT[rnd.randrange(len(EQUIPMENT))]
        serial = f"SN{rnd.randint(100000, 999999)}" if rnd.random() < 0.8 else None
        tech = (
            self.technicians[rnd.randrange(len(self.technicians))] if rnd.random() < 0.9 else None
        )
        base = (sid, 3, code, equipment, serial, t0)
        versions = [(t0, (*base, None, "open", None, t0))]
        t1 = t0 + rnd.randint(60, 3 * 24 * 60) * MINUTE
        cancelled = rnd.random() < 0.06
        if script is not None:
            cancelled = script == "cancelled"
        if cancelled:
            versions.append((t1, (*base, None, "cancelled", tech, t1)))
        else:
            versions.append((t1, (*base, None, "in_progress", tech, t1)))
            t2 = t1 + rnd.randint(1, 10) * DAY
            versions.append((t2, (*base, t2, "done", tech, t2)))
            for j in range(2 if script else rnd.randint(1, 3)):
                lid = self.ids.next("so_line")
                if (j == 0) if script else rnd.random() < 0.55:
                    prod = (
                        self.products[rnd.randrange(len(self.products))].pid
                        if rnd.random() < 0.8
                        else None
                    )
                    line = (
                        lid,
                        sid,
                        "part",
                        prod,
                        PART_DESCRIPTIONS[rnd.randrange(len(PART_DESCRIPTIONS))],
                        rnd.choice((100, 200)),
                        rnd.randint(15, 600) * 100,
                        t1,
                    )
                else:
                    line = (
                        lid,
                        sid,
                        "service",
                        None,
                        SERVICE_DESCRIPTIONS[rnd.randrange(len(SERVICE_DESCRIPTIONS))],
                        rnd.choice((100, 150, 200)),
                        rnd.randint(80, 400) * 100,
                        t1,
                    )
                w.emit("erp__service_order_lines", [(t1, line)])
        w.emit("erp__service_orders", versions)
        if rnd.random() < 0.5:
            self.event(
                code,
                3,
                "technical_visit",
                t1,
                None,
                None,
                done_at=t1 + HOUR if versions[-1][1][7] == "done" else None,
                cancel_at=t1 if versions[-1][1][7] == "cancelled" else None,
                lo=t0,
            )

    # ---------------------------------------------------------------- projects
    def project(
        self, code: str, t0: int, profile: str, renegotiate: list[_Pending], forced: bool
    ) -> None:
        rnd, w = self.rnd, self.w
        pid = self.ids.next("project")
        resp = self.project_staff[rnd.randrange(len(self.project_staff))]
        envs = rnd.randint(1, 8) if not forced else 6
        probable = envs * rnd.randint(3_000, 15_000) * 100 if rnd.random() < 0.85 else None
        expected = t0 // DAY + rnd.randint(15, 120) if rnd.random() < 0.8 else None
        specifier = SPECIFIERS[rnd.randrange(len(SPECIFIERS))] if rnd.random() < 0.7 else None
        base = (pid, 1, code, self.email(resp), specifier, t0, envs, probable, expected)
        versions = [(t0, (*base, "open", t0))]
        r = rnd.random()
        outcome = "won" if forced or r < 0.5 else "lost" if r < 0.75 else "open"
        if self.ids.peek("project") == 2 and not forced:
            outcome = "open"  # the business always has a project still waiting for a contract
        if outcome != "open":
            tc = t0 + rnd.randint(5, 90) * DAY
            versions.append((tc, (*base, outcome, tc)))
        w.emit("erp__projects", versions)
        if outcome != "won":
            return
        t_won = versions[-1][0]
        n_contracts = 3 if forced else rnd.choices((1, 2, 3), (0.7, 0.2, 0.1))[0]
        left = envs
        for k in range(n_contracts):
            cenv = max(1, min(left, rnd.randint(1, envs)))
            left = max(0, left - cenv)
            self.contract(
                code,
                pid,
                t_won + k * rnd.randint(1, 20) * DAY,
                cenv,
                resp,
                profile,
                renegotiate,
                cancelled=forced and k == 1,
            )

    def contract(
        self,
        code: str,
        project_id: int,
        t0: int,
        envs: int,
        resp: int,
        profile: str,
        renegotiate: list[_Pending],
        cancelled: bool,
    ) -> None:
        rnd, w, tl = self.rnd, self.w, self.tl
        cid = self.ids.next("contract")
        number = f"CT-{tl.date_of_day(t0 // DAY).year}-{cid:05d}"
        amount = envs * rnd.randint(4_000, 20_000) * 100
        base = (cid, project_id, number, t0 // DAY, amount, envs)
        versions = [(t0, (*base, "revision", t0))]
        cancelled = cancelled or rnd.random() < 0.12
        t = t0
        stages = ("order", "delivery", "assembly", "completed")
        for stage in stages:
            t = t + rnd.randint(5, 25) * DAY + rnd.randint(0, 300) * MINUTE
            if cancelled and stage == "delivery":
                versions.append((t, (*base, "cancelled", t)))
                break
            versions.append((t, (*base, stage, t)))
            if stage == "order":
                self.sale(code, t0, t, resp, profile, renegotiate, cid, company=1)
                for _ in range(rnd.randint(1, 3)):
                    self.purchase_order(cid, t + rnd.randint(0, 5) * DAY)
            if stage == "assembly":
                self.event(
                    code, 1, "assembly", t, resp, None, done_at=t + 2 * DAY, cancel_at=None, lo=t0
                )
        w.emit("erp__contracts", versions)

    def purchase_order(self, contract_id: int, t0: int) -> None:
        rnd = self.rnd
        poid = self.ids.next("purchase_order")
        supplier = SUPPLIERS[rnd.randrange(len(SUPPLIERS))]
        amount = rnd.randint(500, 40_000) * 100
        base = (poid, contract_id, supplier, t0 // DAY, amount)
        versions = [(t0, (*base, "open", t0))]
        tc = t0 + rnd.randint(7, 30) * DAY
        versions.append((tc, (*base, "cancelled" if rnd.random() < 0.1 else "received", tc)))
        self.w.emit("erp__purchase_orders", versions)

    # ---------------------------------------------------------------- schedule
    def event(
        self,
        code: str,
        company: int,
        etype: str,
        when: int,
        staff: int | None,
        order_id: int | None,
        done_at: int | None,
        cancel_at: int | None,
        lo: int,
    ) -> None:
        """A scheduled event, created after ``lo`` (the record that caused it)."""
        rnd = self.rnd
        eid = self.ids.next("event")
        created = max(lo + MINUTE, when - rnd.randint(1, 10) * DAY)
        resp = self.email(staff) if staff is not None else None
        base = (eid, company, code, etype, when)
        versions = [(created, (*base, None, "scheduled", resp, order_id, created))]
        if cancel_at is not None:
            tc = max(cancel_at, created + MINUTE)
            versions.append((tc, (*base, None, "cancelled", resp, order_id, tc)))
        elif done_at is not None:
            td = max(done_at, created + MINUTE)
            versions.append((td, (*base, td, "done", resp, order_id, td)))
        self.w.emit("erp__schedule_events", versions)


def generate_erp(w: LandingWriter, sim: Sim, pop: Population, org: Org) -> None:
    w.open_tables(TABLES)
    erp = _Erp(w, sim, pop, org)
    erp.reference()
    erp.customers()
    w.close_tables(TABLES)
