"""Hand-written raw layer behind the activity and telesales report tests.

Every row is written by hand so the expected numbers in `tests/test_reports_activity.py`
and `tests/test_reports_telesales.py` can be worked out on paper (they are, next to each
assertion). The warehouse describes AS_OF = 2026-03-10 with the default 2-hour
cancellation cut-off; report periods used by the tests are 2026-03-01..2026-03-07.

Cast:
- departments: root (head boss) > sales (head mgr) > sales_sp (head rep2); ops.
- staff: boss 100, mgr 200, rep 201, rep2 202 (extensions), lazy (inactive), admin
  (can_view_all), other 300 (ops, owns nobody).
- crm clients: Ana c1 (rep), Bruno c2 (rep), Carla c3 (mgr), Davi c4 (no owner),
  Eva c5 (rep2), Fábio c6 (rep, deleted), Gil c7 (lazy). Bruno and Carla share the
  number 21 3333-4444 (ambiguous).
- studio members: Ana (same CPF as crm c1), Helena, Igor, Júlia, Kátia.
- erp customers: Ana C001, Eva C005, Davi C004 (same CPFs as their crm records).

The warehouse is built once per test session (`built_warehouse`) with `dbt build`
restricted to the report marts and everything upstream, their data tests and unit tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.helpers.rawdb import create_raw_db, insert_rows, run_dbt
from tests.helpers.shared import build_once

AS_OF = "2026-03-10"
UPD = dt.datetime(2026, 1, 1, 9, 0)

CPF_ANA = "529.982.247-25"
CPF_EVA = "123.456.780-62"
CPF_DAVI = "987.654.320-29"


def _key(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


# Unified client keys (int_client_identity: md5 of 'doc:<digits>' or '<system>:<id>').
ANA = _key("doc:52998224725")
BRUNO = _key("crm:c2")
CARLA = _key("crm:c3")
DAVI = _key("doc:98765432029")
EVA = _key("doc:12345678062")
GIL = _key("crm:c7")
HELENA = _key("studio:2")
IGOR = _key("studio:3")
JULIA = _key("studio:4")
KATIA = _key("studio:5")


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _crm_ts(local: str) -> dt.datetime:
    """crm timestamps are UTC in the raw layer: São Paulo local time + 3 hours."""
    return ts(local) + dt.timedelta(hours=3)


def _staff(
    staff_id: str, dep: str, ext: str | None, *, view_all: bool = False, active: bool = True
) -> dict[str, Any]:
    return {
        "staff_id": staff_id,
        "full_name": staff_id.title(),
        "email": f"{staff_id}@carteira.example",
        "department_id": dep,
        "extension": ext,
        "can_view_all": view_all,
        "active": active,
        "updated_at": UPD,
    }


def _client(
    cid: str,
    name: str,
    phones: list[str],
    owner: str | None,
    source: str,
    group: str,
    created: str,
    doc: str | None = None,
    deleted: dt.datetime | None = None,
) -> dict[str, Any]:
    return {
        "client_id": cid,
        "full_name": name,
        "document_number": doc,
        "phones": phones,
        "source": source,
        "client_group": group,
        "owner_staff_id": owner,
        "created_at": _crm_ts(created),
        "updated_at": UPD,
        "deleted_at": deleted,
    }


def _call(
    call_id: int, started: str, ext: str, direction: str, number: str, disposition: str, talk: int
) -> dict[str, Any]:
    other = (
        {"from_number": ext, "to_number": number}
        if direction == "outbound"
        else {"from_number": number, "to_number": ext}
    )
    return {
        "call_id": call_id,
        "started_at": ts(started),
        "extension": ext,
        "direction": direction,
        **other,
        "disposition": disposition,
        "talk_seconds": talk,
    }


def _task(
    task_id: str,
    client: str,
    created: str,
    status: str,
    task_type: str = "appointment",
    deleted: dt.datetime | None = None,
) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "client_id": client,
        "task_type": task_type,
        "created_by_staff_id": "mgr",
        "due_at": _crm_ts(created) + dt.timedelta(days=3),
        "status": status,
        "created_at": _crm_ts(created),
        "updated_at": UPD,
        "deleted_at": deleted,
    }


def _session(
    sid: int, start: str, activity: int, capacity: int, *, finalized: bool, cancelled: bool = False
) -> dict[str, Any]:
    starts = ts(start)
    return {
        "session_id": sid,
        "activity_id": activity,
        "area_id": activity,
        "instructor_id": activity,
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=1),
        "capacity": capacity,
        "finalized_at": starts + dt.timedelta(hours=1, minutes=5) if finalized else None,
        "cancelled": cancelled,
        "updated_at": UPD,
    }


def _booking(
    bid: int, sid: int, member: int, *, cancelled: str | None = None, attendance: str | None = None
) -> dict[str, Any]:
    return {
        "booking_id": bid,
        "session_id": sid,
        "member_id": member,
        "booked_at": ts("2026-02-20 09:00:00"),
        "cancelled_at": ts(cancelled) if cancelled else None,
        "attendance": attendance,
        "updated_at": UPD,
    }


def _order(oid: int, customer: str, ordered: str, status: str) -> dict[str, Any]:
    return {
        "order_id": oid,
        "company_id": 1,
        "order_code": f"V-{oid}",
        "customer_code": customer,
        "ordered_at": ts(ordered),
        "status": status,
        "updated_at": UPD,
    }


def _item(iid: int, oid: int, qty: str, price: str, discount: str = "0") -> dict[str, Any]:
    return {
        "order_item_id": iid,
        "order_id": oid,
        "product_id": 1,
        "quantity": Decimal(qty),
        "unit_price": Decimal(price),
        "discount_amount": Decimal(discount),
        "updated_at": UPD,
    }


def _title(
    rid: int, customer: str, oid: int, due: str, amount: str, **dates: dt.date
) -> dict[str, Any]:
    return {
        "receivable_id": rid,
        "company_id": 1,
        "customer_code": customer,
        "order_id": oid,
        "document_number": f"NF-{oid}",
        "installment_number": 1,
        "installments_total": 1,
        "issued_on": d("2026-03-01"),
        "due_on": d(due),
        "amount": Decimal(amount),
        "updated_at": UPD,
        **dates,
    }


def _payment(
    pid: int, rid: int, paid: str, amount: str, reversed_at: dt.datetime | None = None
) -> dict[str, Any]:
    return {
        "payment_id": pid,
        "receivable_id": rid,
        "paid_on": d(paid),
        "amount": Decimal(amount),
        "method": "pix",
        "updated_at": UPD,
        "deleted_at": reversed_at,
    }


ANA_PHONE = "(11) 98765-4321"
EVA_PHONE = "(41) 94444-3333"
SHARED = "21 3333-4444"

RAW: dict[str, list[dict[str, Any]]] = {
    "crm__departments": [
        {"department_id": "root", "name": "Diretoria", "head_staff_id": "boss", "updated_at": UPD},
        {
            "department_id": "sales",
            "name": "Vendas",
            "parent_department_id": "root",
            "head_staff_id": "mgr",
            "updated_at": UPD,
        },
        {
            "department_id": "sales_sp",
            "name": "Vendas SP",
            "parent_department_id": "sales",
            "head_staff_id": "rep2",
            "updated_at": UPD,
        },
        {"department_id": "ops", "name": "Operações", "updated_at": UPD},
    ],
    "crm__staff": [
        _staff("boss", "root", "100"),
        _staff("mgr", "sales", "200"),
        _staff("rep", "sales_sp", "201"),
        _staff("rep2", "sales_sp", "202"),
        _staff("lazy", "sales_sp", None, active=False),
        _staff("admin", "ops", None, view_all=True),
        _staff("other", "ops", "300"),
    ],
    "crm__clients": [
        _client(
            "c1", "Ana Souza", [ANA_PHONE], "rep", "website", "vip", "2026-02-15 10:00", CPF_ANA
        ),
        _client(
            "c2",
            "Bruno Lima",
            [SHARED, "(21) 97777-1111"],
            "rep",
            "referral",
            "standard",
            "2026-03-01 09:00",
        ),
        _client(
            "c3", "Carla Dias", ["021 3333 4444"], "mgr", "website", "standard", "2026-01-10 09:00"
        ),
        _client(
            "c4",
            "Davi Melo",
            ["(31) 95555-6666"],
            None,
            "facebook",
            "vip",
            "2026-03-02 09:00",
            CPF_DAVI,
        ),
        _client(
            "c5",
            "Eva Rocha",
            [EVA_PHONE],
            "rep2",
            "website",
            "corporate",
            "2025-12-01 09:00",
            CPF_EVA,
        ),
        _client(
            "c6",
            "Fábio Antigo",
            ["(11) 91111-2222"],
            "rep",
            "website",
            "vip",
            "2026-03-01 09:00",
            deleted=ts("2026-03-03 12:00:00"),
        ),
        _client(
            "c7",
            "Gil Torres",
            ["(51) 93333-2222"],
            "lazy",
            "walk_in",
            "standard",
            "2026-03-05 09:00",
        ),
    ],
    "crm__campaigns": [
        {"campaign_id": "camp1", "name": "Março", "starts_on": d("2026-03-01"), "updated_at": UPD},
        {
            "campaign_id": "camp2",
            "name": "Fevereiro",
            "starts_on": d("2026-02-01"),
            "updated_at": UPD,
        },
    ],
    "crm__opportunities": [
        {
            "opportunity_id": oid,
            "client_id": cid,
            "campaign_id": camp,
            "owner_staff_id": own,
            "stage": "new",
            "amount": Decimal("100.00"),
            "created_at": _crm_ts(created),
            "updated_at": UPD,
            "deleted_at": deleted,
        }
        for oid, cid, camp, own, created, deleted in [
            ("op1", "c1", "camp1", "rep", "2026-03-01 10:00", None),
            ("op2", "c1", "camp2", "rep", "2026-02-01 10:00", None),
            ("op3", "c5", "camp1", "rep", "2026-03-01 10:00", None),
            ("op4", "c3", "camp1", "mgr", "2026-03-01 10:00", None),
            ("op5", "c2", "camp1", None, "2026-03-01 10:00", None),
            ("op6", "c7", "camp1", "rep2", "2026-03-01 10:00", ts("2026-03-02 10:00:00")),
            ("op7", "c6", "camp1", "rep", "2026-03-01 10:00", None),  # client deleted
        ]
    ],
    "crm__tasks": [
        _task("t1", "c1", "2026-03-02 10:00", "done"),
        _task("t2", "c1", "2026-03-04 10:00", "open"),
        _task("t3", "c1", "2026-02-20 10:00", "done"),  # before the call period
        _task("t4", "c2", "2026-03-03 10:00", "done", task_type="call"),  # not an appointment
        _task("t5", "c4", "2026-03-09 10:00", "open"),  # after calls_to, before as_of
        _task("t6", "c5", "2026-03-11 10:00", "open"),  # after as_of
        _task("t7", "c3", "2026-03-05 10:00", "cancelled"),  # created: counts, not done
        _task("t8", "c5", "2026-03-03 10:00", "open", deleted=ts("2026-03-04 10:00:00")),
    ],
    "pbx__calls": [
        _call(1, "2026-03-02 10:00:00", "201", "outbound", ANA_PHONE, "ANSWERED", 120),
        _call(2, "2026-03-03 10:00:00", "201", "outbound", "11987654321", "NO ANSWER", 0),
        _call(3, "2026-03-02 11:00:00", "201", "outbound", SHARED, "ANSWERED", 60),  # ambiguous
        _call(
            4, "2026-03-02 12:00:00", "200", "outbound", "(21) 97777-1111", "ANSWERED", 45
        ),  # Bruno, from mgr's extension: not Bruno's owner
        _call(5, "2026-03-04 10:00:00", "201", "inbound", EVA_PHONE, "ANSWERED", 30),
        _call(
            6, "2026-03-04 11:00:00", "201", "outbound", "(61) 91234-5678", "ANSWERED", 50
        ),  # nobody's number
        _call(7, "2026-02-28 10:00:00", "201", "outbound", ANA_PHONE, "ANSWERED", 300),
        _call(8, "2026-03-08 10:00:00", "201", "outbound", ANA_PHONE, "ANSWERED", 300),
        _call(9, "2026-03-05 10:00:00", "202", "outbound", EVA_PHONE, "ANSWERED", 90),
        _call(
            10, "2026-03-05 11:00:00", "100", "outbound", "(31) 95555-6666", "ANSWERED", 200
        ),  # Davi has no owner
        _call(
            11, "2026-03-05 12:00:00", "200", "outbound", "+55 21 3333 4444", "ANSWERED", 70
        ),  # Carla's number, shared with Bruno: ambiguous
        _call(12, "2026-03-06 10:00:00", "202", "outbound", "041 94444 3333", "BUSY", 0),
        _call(
            13, "2026-03-06 11:00:00", "201", "outbound", "98765-4321", "ANSWERED", 40
        ),  # no area code
        _call(14, "2026-03-06 12:00:00", "300", "outbound", EVA_PHONE, "ANSWERED", 10),
    ],
    "studio__members": [
        {
            "member_id": mid,
            "full_name": name,
            "document_number": doc,
            "registration_type": rtype,
            "updated_at": UPD,
        }
        for mid, name, doc, rtype in [
            (1, "Ana S.", "52998224725", "member"),
            (2, "Helena Prado", None, "trial"),
            (3, "Igor Nunes", None, "visitor"),
            (4, "Júlia Reis", None, "member"),
            (5, "Kátia Luz", None, "former_member"),
        ]
    ],
    "studio__areas": [
        {"area_id": 1, "name": "Sala 1", "updated_at": UPD},
        {"area_id": 2, "name": "Sala 2", "updated_at": UPD},
    ],
    "studio__activities": [
        {"activity_id": 1, "name": "Pilates", "area_id": 1, "updated_at": UPD},
        {"activity_id": 2, "name": "Yoga", "area_id": 2, "updated_at": UPD},
    ],
    "studio__instructors": [
        {"instructor_id": 1, "full_name": "Íris", "updated_at": UPD},
        {"instructor_id": 2, "full_name": "João", "updated_at": UPD},
    ],
    "studio__sessions": [
        _session(1, "2026-03-02 10:00:00", 1, 10, finalized=True),
        _session(2, "2026-03-03 18:00:00", 2, 5, finalized=False, cancelled=True),
        _session(3, "2026-03-05 07:00:00", 1, 4, finalized=False),  # never finalized
        _session(4, "2026-03-06 09:00:00", 2, 8, finalized=True),  # nobody booked
        _session(5, "2026-02-28 10:00:00", 1, 10, finalized=True),  # before the period
        _session(6, "2026-03-08 10:00:00", 2, 10, finalized=False),  # after the period
    ],
    "studio__bookings": [
        _booking(1, 1, 1, attendance="present"),
        _booking(2, 1, 2, cancelled="2026-03-02 08:00:00"),  # exactly 2 h before: excused
        _booking(
            3, 1, 3, cancelled="2026-03-02 08:01:00", attendance="present"
        ),  # 1 h 59 min before: unexcused despite "present"
        _booking(4, 1, 4),  # attendance never marked: unexcused
        _booking(5, 2, 1),  # session cancelled: counts nowhere
        _booking(6, 3, 1),  # class not finalized: scheduled
        _booking(7, 3, 2, cancelled="2026-03-04 10:00:00"),  # not finalized wins: scheduled
        _booking(8, 5, 1, attendance="present"),  # before the period
        _booking(9, 1, 5, cancelled="2026-03-01 20:00:00", attendance="absent"),  # excused
        _booking(10, 6, 3),  # after the period
    ],
    "erp__companies": [{"company_id": 1, "name": "Loja Centro", "updated_at": UPD}],
    "erp__customers": [
        {"customer_code": code, "full_name": name, "document_number": doc, "updated_at": UPD}
        for code, name, doc in [
            ("C001", "ANA SOUZA", "529 982 247 25"),
            ("C004", "DAVI MELO", "98765432029"),
            ("C005", "EVA ROCHA", "12345678062"),
        ]
    ],
    "erp__products": [
        {
            "product_id": 1,
            "product_code": "P-1",
            "name": "Cadeira",
            "category": "móveis",
            "updated_at": UPD,
        },
    ],
    "erp__orders": [
        _order(1, "C001", "2026-03-03 10:00:00", "invoiced"),
        _order(2, "C001", "2026-03-04 10:00:00", "cancelled"),
        _order(3, "C001", "2026-02-25 10:00:00", "delivered"),  # before the call period
        _order(4, "C005", "2026-03-06 10:00:00", "delivered"),
        _order(5, "C004", "2026-03-09 10:00:00", "open"),
        _order(6, "C005", "2026-03-11 10:00:00", "open"),  # after as_of
    ],
    "erp__order_items": [
        _item(1, 1, "2", "100.00", "10.00"),
        _item(2, 1, "1", "50.50"),  # order 1 = 2 * 100 - 10 + 50.50 = 240.50
        _item(3, 2, "1", "999.00"),
        _item(4, 3, "1", "500.00"),
        _item(5, 4, "1", "500.00"),
        _item(6, 5, "1", "80.00"),
        _item(7, 6, "1", "70.00"),
    ],
    "erp__receivables": [
        _title(1, "C001", 1, "2026-03-05", "140.50"),
        _title(2, "C001", 1, "2026-04-03", "100.00"),
        _title(3, "C001", 2, "2026-03-05", "999.00"),
        _title(4, "C005", 4, "2026-03-06", "300.00"),
        _title(5, "C005", 4, "2026-04-06", "200.00", credit_bureau_on=d("2026-03-09")),
        _title(6, "C001", 3, "2026-03-01", "500.00"),
    ],
    "erp__payments": [
        _payment(1, 1, "2026-03-04", "100.00"),
        _payment(2, 1, "2026-03-12", "40.50"),  # after as_of
        _payment(3, 2, "2026-03-08", "30.00", reversed_at=ts("2026-03-09 10:00:00")),
        _payment(4, 3, "2026-03-05", "999.00"),  # on a cancelled order's title
        _payment(5, 4, "2026-03-06", "300.00"),
        _payment(6, 5, "2026-03-07", "50.00"),
        _payment(7, 6, "2026-03-01", "500.00"),
    ],
}

# dbt selection: the report marts, everything upstream, and their tests.
# The report marts and the bi relations the reports read.
REPORT_MARTS_SELECTOR = (
    "+marts.activity +marts.telesales +bi.activity_client_day_outcome "
    "+bi.activity_client_bookings +bi.activity_occupancy_sessions "
    "+bi.telesales_population +bi.telesales_owner_client_day"
    # the warehouse's as_of, which every report reads (carteira.reports.engine.warehouse_as_of)
    " +marts.dim_date"
)


def built_warehouse(base: Path) -> Path:
    """Write RAW into a raw layer and `dbt build` the report marts (once per session).

    `base` is the folder every xdist worker of the session shares (`shared_root`), so
    both report test modules share one build wherever they run. dbt failures (a model,
    a contract, a data or unit test) raise.
    """
    return build_once(base, "reports_activity", _build)


def _build(work: Path) -> Path:
    work.mkdir(parents=True, exist_ok=True)
    raw = create_raw_db(work / "raw.duckdb")
    for fqn, rows in RAW.items():
        insert_rows(raw, fqn, rows)
    build = work / "warehouse.duckdb"
    run_dbt(
        ["build", "--select", REPORT_MARTS_SELECTOR, "--indirect-selection", "buildable"],
        build,
        raw,
        vars={"as_of": AS_OF},
    )
    return build
