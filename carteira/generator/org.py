"""Organisation: the crm department tree and staff (the staff master).

The tree is four levels deep with a head per department, so visibility rules
("a head sees its sub-departments at any depth") have something to walk.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from carteira.generator.names import person_name, strip_accents
from carteira.generator.timeline import DAY, HOUR, Timeline
from carteira.generator.writers import LandingWriter

# (id, name, parent)
DEPARTMENTS: tuple[tuple[str, str, str | None], ...] = (
    ("d_01", "Diretoria", None),
    ("d_02", "Comercial", "d_01"),
    ("d_03", "Operações", "d_01"),
    ("d_04", "Financeiro", "d_01"),
    ("d_05", "Televendas", "d_02"),
    ("d_06", "Vendas Loja", "d_02"),
    ("d_07", "Projetos & Arquitetura", "d_02"),
    ("d_08", "Televendas Equipe A", "d_05"),
    ("d_09", "Televendas Equipe B", "d_05"),
    ("d_10", "Studio", "d_03"),
    ("d_11", "Assistência Técnica", "d_03"),
)
SALES_DEPARTMENTS = ("d_05", "d_06", "d_07", "d_08", "d_09")


@dataclass
class StaffMember:
    staff_id: str
    full_name: str
    email: str
    department_id: str
    extension: str | None
    can_view_all: bool
    active: bool
    created: int


@dataclass
class Org:
    """Staff the other domains refer to."""

    staff: list[StaffMember]
    sellers: list[int]  # indices of active staff in sales departments (client owners)
    with_extension: list[int]  # indices of staff having an extension
    erp_emails_given: int = 0

    def erp_email(self, rnd: random.Random, idx: int) -> str:
        """The staff e-mail as erp users type it: varied case and stray whitespace."""
        email = self.staff[idx].email
        self.erp_emails_given += 1
        r = rnd.random() if self.erp_emails_given > 2 else 0.6 + 0.2 * self.erp_emails_given
        if r < 0.55:
            return email
        if r < 0.7:
            return email.upper()
        if r < 0.85:
            return " " + email.capitalize()
        return email.title() + "  "


def build_org(w: LandingWriter, tl: Timeline, rnd: random.Random, n_staff: int) -> Org:
    """Write crm.departments and crm.staff; return the staff the other domains use."""
    w.open_tables(["crm__departments", "crm__staff"])
    n_staff = max(n_staff, len(DEPARTMENTS) + 1)
    created0 = 10 * DAY + 9 * HOUR
    staff: list[StaffMember] = []
    used_emails: set[str] = set()
    dept_cycle = [d[0] for d in DEPARTMENTS]
    for i in range(n_staff):
        # every department gets its head first, then sales departments get the bulk
        if i < len(dept_cycle):
            dept = dept_cycle[i]
        else:
            dept = rnd.choice(SALES_DEPARTMENTS) if rnd.random() < 0.8 else rnd.choice(dept_cycle)
        name = person_name(rnd)
        parts = strip_accents(name).lower().replace('"', "").replace("'", "").split()
        base = f"{parts[0]}.{parts[-1]}"
        email = f"{base}@carteira.com.br"
        k = 2
        while email in used_emails:
            email = f"{base}{k}@carteira.com.br"
            k += 1
        used_emails.add(email)
        has_ext = dept in SALES_DEPARTMENTS or rnd.random() < 0.4
        staff.append(
            StaffMember(
                staff_id=f"s_{i + 1:04d}",
                full_name=name,
                email=email,
                department_id=dept,
                extension=f"{2000 + i + 1}" if has_ext else None,
                can_view_all=i == 0 or dept == "d_04" and i < len(dept_cycle),
                active=True,
                created=created0 + i * 600,
            )
        )
    # a few people left the company long ago (inactive, one soft-deleted)
    n_inactive = max(1, n_staff // 10)
    leavers = [i for i in range(len(dept_cycle), n_staff)][-n_inactive:]
    heads = {d[0]: i for i, d in enumerate(DEPARTMENTS)}

    sellers = [
        i for i, s in enumerate(staff) if s.department_id in SALES_DEPARTMENTS and i not in leavers
    ]
    # delta: a seller (not a head) leaves during the run (inactive from a delta day on)
    plain = [i for i in sellers if i not in heads.values()]
    quitter = plain[-1] if tl.days > 1 and len(plain) > 1 else None
    if quitter is not None:
        sellers.remove(quitter)
    for i, s in enumerate(staff):
        versions = [(s.created, _staff_row(s, s.created, None))]
        if i in leavers:
            t = tl.history_time(rnd, s.created + 365 * DAY)
            s.active = False
            versions.append((t, _staff_row(s, t, t if i == leavers[0] else None)))
        elif i == quitter:
            t = tl.window_time(rnd, 1)
            s.active = False
            versions.append((t, _staff_row(s, t, None)))
        w.emit("crm__staff", versions)

    for j, (dep_id, name, parent) in enumerate(DEPARTMENTS):
        head = staff[heads[dep_id]].staff_id
        t0 = created0 - DAY + j * 60
        versions = [
            (t0, (dep_id, name, parent, None, t0)),
            (created0 + DAY, (dep_id, name, parent, head, created0 + DAY)),
        ]
        if dep_id == "d_09" and tl.days > 2:
            # the head of team B changes during the run
            team = [i for i in sellers if staff[i].department_id in ("d_09", "d_08")]
            new_head = staff[(team or sellers)[0]].staff_id
            t = tl.window_time(rnd, 2)
            versions.append((t, (dep_id, name, parent, new_head, t)))
        w.emit("crm__departments", versions)
    w.close_tables(["crm__departments", "crm__staff"])
    with_ext = [i for i, s in enumerate(staff) if s.extension is not None]
    return Org(staff=staff, sellers=sellers, with_extension=with_ext)


def _staff_row(s: StaffMember, t: int, deleted: int | None) -> tuple[object, ...]:
    return (
        s.staff_id,
        s.full_name,
        s.email,
        s.department_id,
        s.extension,
        s.can_view_all,
        s.active,
        t,
        deleted,
    )
