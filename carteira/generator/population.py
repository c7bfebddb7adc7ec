"""The people behind the three client systems (crm, studio, erp).

One person may be a crm client, a studio member and an erp customer at once,
linked only by document number; many exist in one or two systems only. State is
compact (numpy arrays plus one list of names) so ``large`` fits in memory; each
domain derives its records from it.

The first :data:`PINNED` persons (one per membership combination) are the oldest of
all, created about five years before ``start`` whatever the seed, so the scripted
stories every domain tells about them (see each domain) are always settled history,
part of the first day's full export. Every creation time is in business hours.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from carteira.generator.documents import cnpj, cpf
from carteira.generator.names import CITIES, company_name, person_name
from carteira.generator.org import Org
from carteira.generator.timeline import DAY, MINUTE, Timeline

CRM, STUDIO, ERP = 1, 2, 4
# membership combinations and their weights: all three, two of them, one only
_COMBOS = (CRM | STUDIO | ERP, CRM | ERP, CRM | STUDIO, STUDIO | ERP, CRM, STUDIO, ERP)
_COMBO_W = (0.18, 0.22, 0.10, 0.05, 0.22, 0.10, 0.13)
#: Persons 0..PINNED-1 have scripted roles: 0 is in all three systems with an owner (the
#: calls, sales, projects... of every story), 1 and 4 share a phone number (ambiguous
#: calls), 4 has no owner. Their first records come before anybody else's.
PINNED = len(_COMBOS)
_PINNED_FIRST_DAY = 40  # days after the history's origin
_PINNED_EVERY = 20
_OTHERS_FIRST_DAY = 200


@dataclass
class Population:
    """Compact per-person state, indexed by person number."""

    names: list[str]
    is_company: np.ndarray  # bool
    documents: list[str]  # valid digits (CPF or CNPJ)
    city: np.ndarray  # index into CITIES
    phone: np.ndarray  # int64 national number
    phone2: np.ndarray  # int64, 0 = none; may be another client's number (ambiguous)
    systems: np.ndarray  # bit mask CRM | STUDIO | ERP
    crm_t: np.ndarray  # creation time in each system (int64 seconds)
    studio_t: np.ndarray
    erp_t: np.ndarray
    owner: np.ndarray  # staff index owning the crm client, -1 = unassigned
    crm_order: np.ndarray  # person numbers of crm clients by creation (id = rank + 1)
    studio_order: np.ndarray
    erp_order: np.ndarray
    ambiguous_numbers: list[str]
    pinned: int  # persons 0..pinned-1 are the scripted ones (see PINNED)

    def is_pinned(self, p: int) -> bool:
        """A scripted person: never deleted nor reassigned at random, numbers always valid."""
        return p < self.pinned

    def phone_text(self, p: int, second: bool = False) -> str | None:
        v = int(self.phone2[p] if second else self.phone[p])
        return f"{v:011d}" if v else None


def _sorted_members(mask: np.ndarray, created: np.ndarray) -> np.ndarray:
    idx = np.flatnonzero(mask)
    return idx[np.argsort(created[idx], kind="stable")]


def build_population(tl: Timeline, rnd: random.Random, n: int, org: Org) -> Population:
    """Draw ``n`` persons with creation times growing towards the run (newest in the deltas)."""
    np_rng = np.random.default_rng(rnd.getrandbits(64))
    end = tl.end
    pinned = min(n, PINNED)
    # density grows linearly with time (a growing business); a few land in the run's days
    lo = _OTHERS_FIRST_DAY * DAY
    day = (lo + np.sqrt(np_rng.random(n)) * (end - DAY - lo)).astype(np.int64) // DAY
    day[:pinned] = _PINNED_FIRST_DAY + _PINNED_EVERY * np.arange(pinned)
    # a business-hours minute (08:00-19:29, so shifted copies stay before 20:00)
    created = day * DAY + np_rng.integers(8 * 60, 19 * 60 + 30, size=n) * MINUTE
    forced_new = min(2, max(0, tl.days - 1)) if n >= 10 else 0
    for j in range(forced_new):
        created[n - 1 - j] = tl.window_time(rnd, 1 + j % (tl.days - 1))
    combos = np_rng.choice(len(_COMBOS), size=n, p=_COMBO_W)
    systems = np.array(_COMBOS, dtype=np.int8)[combos]
    systems[:pinned] = _COMBOS[:pinned]  # every combination at least once
    if forced_new:
        systems[n - 1] = CRM | STUDIO | ERP  # a new client in every system's delta
    is_company = np_rng.random(n) < 0.12
    is_company[: min(n, 6)] = (False, False, True, False, False, True)[: min(n, 6)]
    city = np_rng.integers(0, len(CITIES), size=n)
    names: list[str] = []
    documents: list[str] = []
    phone = np.zeros(n, dtype=np.int64)
    phone2 = np.zeros(n, dtype=np.int64)
    used_docs: set[str] = set()
    for p in range(n):
        if is_company[p]:
            names.append(company_name(rnd))
            doc = cnpj(rnd.randint(10_000_000, 99_999_999), rnd.choice((1, 1, 1, 2)))
        else:
            names.append(person_name(rnd))
            doc = cpf(rnd.randint(100_000_000, 999_999_999))
        while doc in used_docs:
            doc = cpf(rnd.randint(100_000_000, 999_999_999))
        used_docs.add(doc)
        documents.append(doc)
        area = CITIES[int(city[p])][1]
        phone[p] = int(f"{area}9{rnd.randint(1000, 9999)}{rnd.randint(0, 9999):04d}")
        if rnd.random() < 0.3:
            phone2[p] = int(f"{area}{rnd.randint(30_000_000, 39_999_999)}")  # landline
    # the same number on two crm clients: calls to it are ambiguous (the first pair is
    # pinned persons 1 and 4, so it exists from the first day on)
    crm_people = np.flatnonzero(systems & CRM)
    n_amb = max(1, len(crm_people) // 60)
    ambiguous: list[str] = []
    for k in range(n_amb):
        if len(crm_people) < 4:
            break
        if k == 0:
            a, b = int(crm_people[1]), int(crm_people[3])
        else:
            a = int(crm_people[(2 * k) % len(crm_people)])
            b = int(crm_people[(2 * k + 1 + len(crm_people) // 2) % len(crm_people)])
        if a == b or phone2[b] == phone[a]:
            continue
        phone2[b] = phone[a]
        ambiguous.append(f"{int(phone[a]):011d}")
    crm_t = created.copy()
    studio_t = created + np_rng.integers(0, 30, size=n) * DAY
    erp_t = created + np_rng.integers(-20, 60, size=n) * DAY
    erp_t = np.maximum(erp_t, DAY)
    # people created in the run stay in the run
    in_run = created >= tl.start_t
    studio_t[in_run] = created[in_run] + 2 * MINUTE
    erp_t[in_run] = created[in_run] + 4 * MINUTE
    # pinned persons keep their order in every system (the domains script them by rank)
    studio_t[:pinned] = created[:pinned] + 2 * DAY
    erp_t[:pinned] = created[:pinned] + DAY
    sellers = np.array(org.sellers, dtype=np.int32)
    owner = sellers[np_rng.integers(0, len(sellers), size=n)]
    owner[np_rng.random(n) < 0.08] = -1
    owner[0] = sellers[int(np_rng.integers(0, len(sellers)))]  # person 0 has an owner
    if n > 5:
        owner[int(crm_people[min(3, len(crm_people) - 1)])] = -1  # at least one unassigned
    return Population(
        names=names,
        is_company=is_company,
        documents=documents,
        city=city,
        phone=phone,
        phone2=phone2,
        systems=systems,
        crm_t=crm_t,
        studio_t=studio_t,
        erp_t=erp_t,
        owner=owner.astype(np.int32),
        crm_order=_sorted_members(systems & CRM != 0, crm_t),
        studio_order=_sorted_members(systems & STUDIO != 0, studio_t),
        erp_order=_sorted_members(systems & ERP != 0, erp_t),
        ambiguous_numbers=ambiguous,
        pinned=pinned,
    )
