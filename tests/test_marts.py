"""Intermediate models and marts (models/intermediate, models/marts) on a hand-written raw layer.

One small raw layer covers every business rule with values computed by hand here:
identity across systems with formatted documents and invalid ones, an ambiguous phone
number, a cancellation exactly at the cut-off, a title partially paid with a reversed
payment and a payment after as_of, and visibility two department levels deep. The
whole project is built once with `dbt build` (models, unit tests and data tests,
including the reconciliation tests), so a failing check fails the fixture.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from tests.helpers.rawdb import create_raw_db, insert_rows, run_dbt

AS_OF = "2026-03-10"
UPD = dt.datetime(2026, 1, 1, 9, 0)


def key(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


ANA = key("doc:52998224725")  # crm c1 + studio 1 + erp C001 (three formats of one CPF)
EMPRESA = key("doc:11222333000181")  # erp C002 (live) + crm c4 (deleted), one CNPJ
BRUNO = key("crm:c2")  # invalid check digits: a client of its own
CARLA = key("crm:c3")  # no document
DORA = key("studio:2")  # repeated-digit placeholder document
SEM_DOC = key("erp:C003")


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


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
            "head_staff_id": "lazy",
            "updated_at": UPD,
        },
        {"department_id": "ops", "name": "Operações", "updated_at": UPD},
    ],
    "crm__staff": [
        {
            "staff_id": s,
            "full_name": s.title(),
            "email": f"{s.upper()}@Carteira.example ",
            "department_id": dep,
            "extension": ext,
            "can_view_all": all_,
            "active": active,
            "updated_at": UPD,
            "deleted_at": deleted,
        }
        for s, dep, ext, all_, active, deleted in [
            ("boss", "root", None, False, True, None),
            ("mgr", "sales", "200", False, True, None),
            ("rep", "sales_sp", "201", False, True, None),
            ("lazy", "sales_sp", None, False, False, None),
            ("admin", "ops", None, True, True, None),
            ("gone", "sales_sp", "209", True, True, ts("2025-12-01 10:00:00")),
        ]
    ],
    "crm__clients": [
        {
            "client_id": "c1",
            "full_name": "Ana Souza",
            "document_number": "529.982.247-25",
            "email": "Ana@Example.com",
            "phones": ["(11) 98765-4321"],
            "source": "website",
            "client_group": "vip",
            "owner_staff_id": "rep",
            "city": "São Paulo",
            "created_at": ts("2025-06-01 15:00:00"),
            "updated_at": UPD,
        },
        {
            "client_id": "c2",
            "full_name": "Bruno Lima",
            "document_number": "123.456.789-00",
            "phones": ["+55 21 3333-4444"],
            "owner_staff_id": "mgr",
            "created_at": ts("2025-07-01 12:00:00"),
            "updated_at": UPD,
        },
        {
            "client_id": "c3",
            "full_name": "Carla Dias",
            "phones": ["021 3333 4444"],
            "created_at": ts("2025-07-02 12:00:00"),
            "updated_at": UPD,
        },
        {
            "client_id": "c4",
            "full_name": "Empresa Antiga",
            "document_number": "11.222.333/0001-81",
            "phones": ["(31) 4444-5555"],
            "created_at": ts("2024-01-01 12:00:00"),
            "updated_at": UPD,
            "deleted_at": ts("2025-01-01 12:00:00"),
        },
    ],
    "crm__tasks": [
        {
            "task_id": "t1",
            "client_id": "c1",
            "task_type": "appointment",
            "assigned_staff_id": "rep",
            "created_by_staff_id": "mgr",
            "due_at": ts("2026-03-03 13:00:00"),
            "status": "done",
            "completed_at": ts("2026-03-03 14:00:00"),
            "created_at": ts("2026-03-01 13:00:00"),
            "updated_at": UPD,
        },
        {
            "task_id": "t2",
            "client_id": "c1",
            "task_type": "call",
            "due_at": ts("2026-03-04 13:00:00"),
            "status": "open",
            "created_at": ts("2026-03-01 13:00:00"),
            "updated_at": UPD,
            "deleted_at": ts("2026-03-02 13:00:00"),
        },
    ],
    "crm__interactions": [
        {
            "interaction_id": "i1",
            "client_id": "c1",
            "staff_id": "rep",
            "channel": "whatsapp",
            "direction": "outbound",
            "occurred_at": ts("2026-03-02 01:30:00"),
            "updated_at": UPD,
        },
    ],
    "pbx__calls": [
        {
            "call_id": 1,
            "started_at": ts("2026-03-02 10:00:00"),
            "extension": "201",
            "direction": "outbound",
            "from_number": "201",
            "to_number": "(11) 98765-4321",
            "disposition": "ANSWERED",
            "talk_seconds": 120,
        },
        {
            "call_id": 2,
            "started_at": ts("2026-03-02 11:00:00"),
            "extension": "201",
            "direction": "inbound",
            "from_number": "+55 (21) 3333-4444",
            "to_number": "201",
            "disposition": "ANSWERED",
            "talk_seconds": 30,
        },
        {
            "call_id": 3,
            "started_at": ts("2026-03-02 12:00:00"),
            "extension": "200",
            "direction": "outbound",
            "from_number": "200",
            "to_number": "98765-4321",
            "disposition": "NO ANSWER",
            "talk_seconds": 0,
        },
        {
            "call_id": 4,
            "started_at": ts("2026-03-02 13:00:00"),
            "extension": "201",
            "direction": "inbound",
            "from_number": "011 98765 4321",
            "to_number": "201",
            "disposition": "ANSWERED",
            "talk_seconds": 0,
        },
    ],
    "studio__members": [
        {
            "member_id": 1,
            "full_name": "Ana S.",
            "document_number": "52998224725",
            "registration_type": "member",
            "joined_on": d("2024-05-01"),
            "updated_at": UPD,
        },
        {
            "member_id": 2,
            "full_name": "Dora Reis",
            "document_number": "111.111.111-11",
            "registration_type": "trial",
            "updated_at": UPD,
        },
    ],
    "studio__areas": [{"area_id": 1, "name": "Sala 1", "updated_at": UPD}],
    "studio__activities": [{"activity_id": 1, "name": "Pilates", "area_id": 1, "updated_at": UPD}],
    "studio__instructors": [{"instructor_id": 1, "full_name": "Íris", "updated_at": UPD}],
    "studio__sessions": [
        {
            "session_id": sid,
            "activity_id": 1,
            "area_id": 1,
            "instructor_id": 1,
            "starts_at": ts(f"{day} 10:00:00"),
            "ends_at": ts(f"{day} 11:00:00"),
            "capacity": 10,
            "finalized_at": fin,
            "cancelled": canc,
            "updated_at": UPD,
        }
        for sid, day, fin, canc in [
            (100, "2026-03-02", ts("2026-03-02 11:05:00"), False),
            (101, "2026-03-03", None, True),
            (102, "2026-03-12", None, False),
        ]
    ],
    "studio__bookings": [
        # exactly 2 hours before the start: excused (the boundary is inclusive)
        {
            "booking_id": 1,
            "session_id": 100,
            "member_id": 1,
            "booked_at": ts("2026-03-01 09:00:00"),
            "cancelled_at": ts("2026-03-02 08:00:00"),
            "updated_at": UPD,
        },
        # one minute later: unexcused, even though marked present
        {
            "booking_id": 2,
            "session_id": 100,
            "member_id": 2,
            "booked_at": ts("2026-03-01 09:00:00"),
            "cancelled_at": ts("2026-03-02 08:01:00"),
            "attendance": "present",
            "updated_at": UPD,
        },
        {
            "booking_id": 3,
            "session_id": 100,
            "member_id": 1,
            "booked_at": ts("2026-03-01 09:00:00"),
            "attendance": "present",
            "updated_at": UPD,
        },
        {
            "booking_id": 4,
            "session_id": 101,
            "member_id": 2,
            "booked_at": ts("2026-03-01 09:00:00"),
            "updated_at": UPD,
        },
        {
            "booking_id": 5,
            "session_id": 102,
            "member_id": 1,
            "booked_at": ts("2026-03-01 09:00:00"),
            "updated_at": UPD,
        },
    ],
    "erp__companies": [{"company_id": 1, "name": "Loja Centro", "updated_at": UPD}],
    "erp__customers": [
        {
            "customer_code": "C001",
            "full_name": "ANA SOUZA",
            "document_number": "529 982 247 25",
            "updated_at": UPD,
        },
        {
            "customer_code": "C002",
            "full_name": "Empresa X Ltda",
            "document_number": "11222333000181",
            "email": "financeiro@empresa.example",
            "updated_at": UPD,
        },
        {"customer_code": "C003", "full_name": "Sem Documento", "updated_at": UPD},
    ],
    "erp__products": [
        {
            "product_id": 1,
            "product_code": "P-1",
            "name": "Cadeira",
            "category": "móveis",
            "updated_at": UPD,
        },
        {
            "product_id": 2,
            "product_code": "P-2",
            "name": "Mesa",
            "category": "móveis",
            "updated_at": UPD,
        },
    ],
    "erp__orders": [
        {
            "order_id": 1,
            "company_id": 1,
            "order_code": "V-1",
            "customer_code": "C001",
            "salesperson_email": "rep@carteira.example",
            "ordered_at": ts("2026-02-01 10:00:00"),
            "status": "invoiced",
            "updated_at": UPD,
        },
        {
            "order_id": 2,
            "company_id": 1,
            "order_code": "V-2",
            "customer_code": "C001",
            "ordered_at": ts("2026-02-02 10:00:00"),
            "status": "cancelled",
            "updated_at": UPD,
        },
    ],
    "erp__order_items": [
        {
            "order_item_id": 1,
            "order_id": 1,
            "product_id": 1,
            "quantity": Decimal("2"),
            "unit_price": Decimal("100.00"),
            "discount_amount": Decimal("10.00"),
            "updated_at": UPD,
        },
        {
            "order_item_id": 2,
            "order_id": 1,
            "product_id": 2,
            "quantity": Decimal("1"),
            "unit_price": Decimal("50.50"),
            "discount_amount": Decimal("0"),
            "updated_at": UPD,
        },
        {
            "order_item_id": 3,
            "order_id": 2,
            "product_id": 2,
            "quantity": Decimal("1"),
            "unit_price": Decimal("999.00"),
            "discount_amount": Decimal("0"),
            "updated_at": UPD,
        },
    ],
    "erp__receivables": [
        {
            "receivable_id": 1,
            "company_id": 1,
            "customer_code": "C001",
            "order_id": 1,
            "document_number": "NF-1",
            "installment_number": 1,
            "installments_total": 2,
            "issued_on": d("2026-02-01"),
            "due_on": d("2026-03-01"),
            "amount": Decimal("240.50"),
            "updated_at": UPD,
        },
        {
            "receivable_id": 2,
            "company_id": 1,
            "customer_code": "C001",
            "order_id": 1,
            "document_number": "NF-1",
            "installment_number": 2,
            "installments_total": 2,
            "issued_on": d("2026-02-01"),
            "due_on": d("2026-04-01"),
            "amount": Decimal("100.00"),
            "updated_at": UPD,
        },
        {
            "receivable_id": 3,
            "company_id": 1,
            "customer_code": "C002",
            "document_number": "NF-9",
            "installment_number": 1,
            "installments_total": 1,
            "issued_on": d("2026-01-01"),
            "due_on": d("2026-02-01"),
            "amount": Decimal("300.00"),
            "updated_at": UPD,
        },
    ],
    "erp__payments": [
        {
            "payment_id": pid,
            "receivable_id": rid,
            "paid_on": d(paid),
            "amount": Decimal(amount),
            "method": method,
            "updated_at": UPD,
            "deleted_at": reversed_at,
        }
        for pid, rid, paid, amount, method, reversed_at in [
            (1, 1, "2026-02-20", "100.00", "pix", None),
            (2, 1, "2026-02-25", "140.50", "card", ts("2026-02-26 10:00:00")),  # reversed
            (3, 1, "2026-03-05", "40.50", "cash", None),
            (4, 1, "2026-03-11", "100.00", "pix", None),  # after as_of
            (5, 3, "2026-02-10", "300.00", "boleto", None),
        ]
    ],
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("marts")
    raw = create_raw_db(work / "raw.duckdb")
    for fqn, rows in RAW.items():
        insert_rows(raw, fqn, rows)
    build = work / "warehouse.duckdb"
    # models + unit tests + data tests (keys, relationships, reconciliations)
    run_dbt(["build"], build, raw, vars={"as_of": AS_OF})
    yield build


def rows(db: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute(sql)
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def by(db: Path, table: str, key_col: str) -> dict[Any, dict[str, Any]]:
    return {r[key_col]: r for r in rows(db, f"select * from marts.{table}")}


# --------------------------------------------------------------------------- identity


def test_identity_unifies_formatted_documents_and_isolates_invalid_ones(warehouse: Path) -> None:
    clients = by(warehouse, "dim_client", "client_key")
    assert set(clients) == {ANA, EMPRESA, BRUNO, CARLA, DORA, SEM_DOC}

    ana = clients[ANA]
    assert ana["document_number"] == "52998224725"
    assert (ana["crm_client_id"], ana["studio_member_id"], ana["erp_customer_code"]) == (
        "c1",
        1,
        "C001",
    )
    assert ana["full_name"] == "Ana Souza"  # crm wins over erp and studio
    assert ana["email"] == "ana@example.com"
    assert (ana["source"], ana["client_group"], ana["owner_staff_id"]) == ("website", "vip", "rep")
    assert ana["registration_type"] == "member"
    assert ana["created_at"] == ts("2025-06-01 12:00:00")  # 15:00 UTC in São Paulo
    assert not ana["is_deleted"]

    # the deleted crm record of the same CNPJ keeps its mapping but gives no attributes
    empresa = clients[EMPRESA]
    assert empresa["full_name"] == "Empresa X Ltda"
    assert empresa["crm_client_id"] is None and empresa["erp_customer_code"] == "C002"
    assert empresa["crm_record_count"] == 1 and not empresa["is_deleted"]

    for k, crm_id, member in [(BRUNO, "c2", None), (CARLA, "c3", None), (DORA, None, 2)]:
        assert clients[k]["document_number"] is None
        assert (clients[k]["crm_client_id"], clients[k]["studio_member_id"]) == (crm_id, member)

    mapping = {
        (r["source_system"], r["source_id"]): (r["client_key"], r["is_deleted"])
        for r in rows(warehouse, "select * from intermediate.int_client_identity")
    }
    assert mapping[("crm", "c4")] == (EMPRESA, True)
    assert mapping[("studio", "1")] == (ANA, False)
    assert len(mapping) == 4 + 2 + 3


# --------------------------------------------------------------------------- calls


def test_calls_match_the_other_party_and_leave_ambiguous_numbers_unattributed(
    warehouse: Path,
) -> None:
    calls = by(warehouse, "fct_calls", "call_id")
    assert (calls[1]["match_status"], calls[1]["client_key"], calls[1]["staff_id"]) == (
        "matched",
        ANA,
        "rep",
    )
    assert calls[1]["is_successful"] and calls[1]["call_date"] == d("2026-03-02")
    # +55 (21) 3333-4444 is both Bruno's and Carla's number
    assert (calls[2]["match_status"], calls[2]["match_reason"], calls[2]["client_key"]) == (
        "ambiguous",
        "multiple_clients",
        None,
    )
    assert (calls[3]["match_status"], calls[3]["match_reason"], calls[3]["staff_id"]) == (
        "unmatched",
        "no_area_code",
        "mgr",
    )
    # inbound: the caller's number, with a trunk 0; answered with no talk is not successful
    assert (calls[4]["match_status"], calls[4]["client_key"]) == ("matched", ANA)
    assert not calls[4]["is_successful"]
    # the deleted client's phone is not in the match list
    phones = rows(
        warehouse,
        "select client_id, phone_number from intermediate.int_client_phones order by client_id",
    )
    assert phones == [
        {"client_id": "c1", "phone_number": "11987654321"},
        {"client_id": "c2", "phone_number": "2133334444"},
        {"client_id": "c3", "phone_number": "2133334444"},
    ]


# --------------------------------------------------------------------------- bookings


def test_booking_outcomes_at_the_cutoff_boundary(warehouse: Path) -> None:
    bookings = by(warehouse, "fct_bookings", "booking_id")
    assert {b: r["outcome"] for b, r in bookings.items()} == {
        1: "excused_absence",
        2: "unexcused_absence",
        3: "attended",
        4: "session_cancelled",
        5: "scheduled",
    }
    assert not bookings[4]["is_counted"]
    assert bookings[1]["client_key"] == ANA and bookings[2]["client_key"] == DORA
    assert (
        bookings[3]["activity_name"],
        bookings[3]["area_name"],
        bookings[3]["instructor_name"],
    ) == ("Pilates", "Sala 1", "Íris")
    assert bookings[2]["registration_type"] == "trial"
    assert bookings[3]["session_date"] == d("2026-03-02")


# --------------------------------------------------------------------------- receivables


def test_receivable_partially_paid_with_a_reversed_payment(warehouse: Path) -> None:
    titles = by(warehouse, "fct_receivables", "receivable_id")
    t1 = titles[1]
    # 240.50 - 100.00 - 40.50 (the reversed 140.50 and the 11/03 payment do not count)
    assert (t1["paid_amount"], t1["balance"]) == (Decimal("140.50"), Decimal("100.00"))
    assert (t1["status"], t1["days_late"], t1["paid_on_time"]) == ("overdue", 9, False)
    assert (t1["client_key"], t1["order_code"], t1["company_name"]) == (ANA, "V-1", "Loja Centro")
    assert t1["as_of"] == d(AS_OF)
    assert (titles[2]["status"], titles[2]["balance"], titles[2]["days_late"]) == (
        "open",
        Decimal("100.00"),
        0,
    )
    assert (
        titles[3]["status"],
        titles[3]["balance"],
        titles[3]["days_late"],
        titles[3]["paid_on_time"],
    ) == ("received", Decimal("0.00"), 9, False)

    payments = by(warehouse, "fct_payments", "payment_id")
    assert payments[2]["is_reversed"] and not payments[2]["is_counted"]
    assert not payments[4]["is_reversed"] and not payments[4]["is_counted"]
    assert payments[1]["is_on_time"] and not payments[3]["is_on_time"]


def test_client_financial_status(warehouse: Path) -> None:
    status = by(warehouse, "client_financial_status", "client_key")
    assert set(status) == {ANA, EMPRESA}
    ana = status[ANA]
    assert ana["as_of"] == d(AS_OF)
    assert ana["total_receivable"] == Decimal("200.00")
    assert ana["past_due_amount"] == Decimal("100.00")
    assert (ana["overdue_count"], ana["overdue_balance"]) == (1, Decimal("100.00"))
    assert (ana["open_count"], ana["open_amount"]) == (1, Decimal("100.00"))
    assert ana["received_count"] == 0
    assert (ana["payment_count"], ana["on_time_payment_count"]) == (2, 1)
    assert ana["on_time_payment_rate"] == Decimal("0.5000")
    assert (ana["max_days_late"], ana["avg_days_late"]) == (9, Decimal("9.00"))
    assert ana["last_payment_on"] == d("2026-03-05")
    empresa = status[EMPRESA]
    assert (empresa["total_receivable"], empresa["received_count"]) == (Decimal("0.00"), 1)
    assert empresa["paid_on_time_title_rate"] == Decimal("0.0000")


# --------------------------------------------------------------------------- orders


def test_order_value_and_cancelled_orders(warehouse: Path) -> None:
    orders = by(warehouse, "fct_orders", "order_id")
    assert orders[1]["order_value"] == Decimal("240.50")  # 2 * 100 - 10 + 1 * 50.50
    assert (orders[1]["salesperson_staff_id"], orders[1]["client_key"]) == ("rep", ANA)
    assert not orders[1]["is_cancelled"] and orders[1]["is_pending"]
    assert orders[2]["is_cancelled"] and not orders[2]["is_pending"]
    items = by(warehouse, "fct_order_items", "order_item_id")
    assert (items[1]["line_value"], items[1]["product_code"]) == (Decimal("190.00"), "P-1")


# --------------------------------------------------------------------------- visibility


def test_visibility_two_levels_deep(warehouse: Path) -> None:
    pairs = rows(warehouse, "select * from marts.staff_visibility")
    seen: dict[str, set[str]] = {}
    for p in pairs:
        seen.setdefault(p["viewer_staff_id"], set()).add(p["visible_staff_id"])
    assert seen["boss"] == {"boss", "mgr", "rep", "lazy"}  # root > sales > sales_sp
    assert seen["mgr"] == {"mgr", "rep", "lazy"}
    assert seen["rep"] == {"rep"}
    assert seen["admin"] == {"boss", "mgr", "rep", "lazy", "admin"}
    assert "lazy" not in seen and "gone" not in seen  # inactive / deleted see nothing


# --------------------------------------------------------------------------- crm facts, dates


def test_tasks_interactions_and_calendar(warehouse: Path) -> None:
    tasks = by(warehouse, "fct_tasks", "task_id")
    assert set(tasks) == {"t1"}  # t2 is deleted
    assert (tasks["t1"]["client_key"], tasks["t1"]["due_date"]) == (ANA, d("2026-03-03"))
    interactions = by(warehouse, "fct_interactions", "interaction_id")
    # 01:30 UTC on 2 March is still 1 March in São Paulo
    assert interactions["i1"]["occurred_date"] == d("2026-03-01")
    bounds = rows(
        warehouse,
        "select min(date_day) as lo, max(date_day) as hi, count(*) as n from marts.dim_date",
    )[0]
    assert bounds["lo"] == d("2021-01-01") and bounds["hi"] == d("2026-12-31")
    assert bounds["n"] == (d("2026-12-31") - d("2021-01-01")).days + 1


# --------------------------------------------------------------------------- as_of


def test_a_refresh_for_another_as_of_is_reproducible(
    warehouse: Path,
    tmp_path: Path,
) -> None:
    """The state marts read var('as_of'), never the clock: an earlier as_of gives earlier states."""
    raw = warehouse.parent / "raw.duckdb"
    build = tmp_path / "warehouse_2026_02_22.duckdb"
    run_dbt(
        ["build", "--select", "+client_financial_status", "--indirect-selection", "cautious"],
        build,
        raw,
        vars={"as_of": "2026-02-22"},
    )
    titles = by(build, "fct_receivables", "receivable_id")
    # only the 20/02 payment counts yet; title 1 is not due yet, title 3 was paid on 10/02
    assert (titles[1]["status"], titles[1]["balance"], titles[1]["days_late"]) == (
        "open",
        Decimal("140.50"),
        0,
    )
    assert (titles[3]["status"], titles[3]["days_late"]) == ("received", 9)
    assert {t["as_of"] for t in titles.values()} == {d("2026-02-22")}
    ana = by(build, "client_financial_status", "client_key")[ANA]
    assert (ana["total_receivable"], ana["last_payment_on"]) == (Decimal("240.50"), d("2026-02-20"))


# --------------------------------------------------------------------------- conventions

REPO = Path(__file__).resolve().parents[1]
# Every model folder (report marts in sub-folders, staging, bi, ...) and every macro but
# the portability ones, whose job is to spell engine-specific SQL once per engine.
RULE_SQL = sorted(
    [
        *(REPO / "models").rglob("*.sql"),
        *(
            path
            for path in (REPO / "dbt_project" / "macros").rglob("*.sql")
            if "portability" not in path.parts
        ),
        *(REPO / "dbt_project" / "tests").glob("*.sql"),
    ]
)
# DuckDB-only syntax or wall-clock reads that would break portability or reproducibility
FORBIDDEN = [
    r"\bqualify\b",
    r"::",
    r"\bcurrent_date\b",
    r"\bcurrent_timestamp\b",
    r"\bnow\s*\(",
    r"\btoday\s*\(",
    r"\blist_\w+\s*\(",
    r"\bstruct_\w+\s*\(",
    r"\bstrftime\s*\(",
    r"\bstrptime\s*\(",
    r"\bregexp_extract\w*\s*\(",
    r"\bgreatest\s*\(",
    r"\bleast\s*\(",
    r"\bdouble\b",
    r"\bfloat\b",
    r"\breal\b",
]


@pytest.mark.parametrize("path", RULE_SQL, ids=lambda p: str(p.relative_to(REPO)))
def test_sql_is_portable_and_never_reads_the_clock(path: Path) -> None:
    text = re.sub(r"\{#.*?#\}|--[^\n]*", "", path.read_text(), flags=re.S).lower()
    found = [pattern for pattern in FORBIDDEN if re.search(pattern, text)]
    assert not found, f"{path.name}: {found}"


def test_every_core_mart_has_an_enforced_contract() -> None:
    declared = {
        m["name"]: m
        for path in (REPO / "models" / "marts").glob("_marts__*.yml")
        for m in yaml.safe_load(path.read_text())["models"]
    }
    assert set(declared) == {p.stem for p in (REPO / "models" / "marts").glob("*.sql")}
    for name, model in declared.items():
        assert model["config"]["contract"]["enforced"] is True, name
        assert model["description"], name
        for column in model["columns"]:
            assert column.get("data_type") and column.get("description"), (name, column["name"])
            assert column["data_type"] not in ("double", "float", "real"), (name, column["name"])
