"""Customer history, client card, negotiation PDF and alerts on a hand-written raw layer.

as_of is 2026-03-10 (D). The main client, João Conceição, is one person in crm (c100)
and erp (C100) through two formats of one CPF. His titles sit on the status rule's
boundaries (numbers worked out by hand):

| title | due        | amount | what happened                       | status        | bal | late |
|-------|------------|--------|-------------------------------------|---------------|-----|------|
| 1     | 03-10 (D)  | 100    | nothing: due today is not late      | open          | 100 | 0    |
| 2     | 03-05      | 200    | paid 200 on the due date            | received      | 0   | 0    |
| 3     | 03-01      | 300    | partial payment of 100 on 02-20     | overdue       | 200 | 9    |
| 4     | 02-01      | 150    | paid 01-30, the payment reversed    | overdue       | 150 | 37   |
| 5, 6  | 12-01, 01-01 | 500, 400 | replaced by agreement 1 (02-15) | renegotiated  |     |      |
| 7     | 03-01      | 250    | agreement title 1/3, paid 02-28     | received      | 0   | 0    |
| 8     | 04-01      | 250    | agreement title 2/3, paid 03-11 > D | open          | 250 | 0    |
| 9     | 05-01      | 250    | agreement title 3/3                 | open          | 250 | 0    |
| 10    | 01-10      | 80     | credit bureau on 03-01              | credit_bureau | 80  | 59   |
| 11    | 01-20      | 60     | collection on 03-05                 | in_collection | 60  | 49   |
| 12    | 02-10      | 70     | credit bureau on 03-11, after D     | overdue       | 70  | 28   |
| 13    | 02-15      | 999    | cancelled on 03-01                  | cancelled     | 999 |      |
| 14    | 02-10      | 50     | paid 2 days late                    | received      | 0   | 2    |
| 15    | 2022-06-10 | 190    | paid on the due date                | received      | 0   | 0    |

total receivable = 100 + 200 + 150 + 250 + 250 + 80 + 60 + 70 = 1160; past due (overdue
amount) = 200 + 150 + 80 + 60 + 70 = 560.

Alert histories (erp customers C2xx..C5xx, each a client of its own) must or must not
trigger with the default thresholds; see ALERT_CASES.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader

from carteira.cli.reports import report
from tests.helpers.rawdb import CUSTOMER_REPORT_MODELS, create_raw_db, insert_rows, run_dbt

AS_OF = "2026-03-10"
D = date(2026, 3, 10)
UPD = datetime(2026, 1, 1, 9, 0)
SELECT = [
    "--indirect-selection",
    "cautious",
    "--select",
    *CUSTOMER_REPORT_MODELS,
    "+dim_status_label",
]


def key(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


JOAO = key("doc:52998224725")


def erp_key(code: str) -> str:
    return key(f"erp:{code}")


def ago(days: int) -> date:
    return D - timedelta(days=days)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0)


def m(text: str) -> Decimal:
    return Decimal(text)


# --------------------------------------------------------------------------- raw layer

RAW: dict[str, list[dict[str, Any]]] = {
    name: []
    for name in (
        "crm__staff",
        "crm__clients",
        "crm__client_notes",
        "crm__tasks",
        "crm__interactions",
        "erp__companies",
        "erp__customers",
        "erp__products",
        "erp__orders",
        "erp__order_items",
        "erp__receivables",
        "erp__payments",
        "erp__negotiations",
        "erp__service_orders",
        "erp__service_order_lines",
        "erp__returns",
        "erp__quotes",
        "erp__schedule_events",
    )
}
RAW["crm__staff"] += [
    {
        "staff_id": "rep",
        "full_name": "Renata Araújo",
        "email": "rep@carteira.example",
        "department_id": "sales",
        "can_view_all": False,
        "active": True,
        "updated_at": UPD,
    },
]
RAW["crm__clients"] += [
    {
        "client_id": "c100",
        "full_name": "João Conceição",
        "document_number": "529.982.247-25",
        "phones": ["(11) 98765-4321"],
        "owner_staff_id": "rep",
        "city": "São Paulo",
        "created_at": datetime(2021, 5, 1, 12),
        "updated_at": UPD,
    },
]
RAW["erp__companies"] += [
    {"company_id": 1, "name": "Móveis Conceição Ltda", "updated_at": UPD},
]
RAW["erp__products"] += [
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
        "name": "Mesa de jantar",
        "category": "móveis",
        "updated_at": UPD,
    },
]
RAW["erp__customers"] += [
    {
        "customer_code": "C100",
        "full_name": "JOAO CONCEICAO",
        "document_number": "52998224725",
        "updated_at": UPD,
    },
]

_ids = {"order": 100, "item": 100, "receivable": 100, "payment": 100, "return": 100}


def _next(kind: str) -> int:
    _ids[kind] += 1
    return _ids[kind]


def add_order(
    code: str,
    day: date,
    value: str,
    *,
    status: str = "delivered",
    quantity: str = "1",
    order_id: int | None = None,
) -> tuple[int, int]:
    """One order of one item worth `value` (quantity 1 unless told); returns (order, item)."""
    oid = order_id or _next("order")
    iid = _next("item")
    RAW["erp__orders"].append(
        {
            "order_id": oid,
            "company_id": 1,
            "order_code": f"V-{oid}",
            "customer_code": code,
            "ordered_at": at(day),
            "status": status,
            "updated_at": UPD,
        }
    )
    qty = m(quantity)
    RAW["erp__order_items"].append(
        {
            "order_item_id": iid,
            "order_id": oid,
            "product_id": 1,
            "quantity": qty,
            "unit_price": m(value) / qty,
            "discount_amount": m("0"),
            "updated_at": UPD,
        }
    )
    return oid, iid


def add_title(
    code: str,
    due: date,
    amount: str,
    *,
    paid_on: date | None = None,
    receivable_id: int | None = None,
    **extra: Any,
) -> int:
    rid = receivable_id or _next("receivable")
    RAW["erp__receivables"].append(
        {
            "receivable_id": rid,
            "company_id": 1,
            "customer_code": code,
            "document_number": f"NF-{rid}",
            "installment_number": 1,
            "installments_total": 1,
            "issued_on": due - timedelta(days=30),
            "due_on": due,
            "amount": m(amount),
            "updated_at": UPD,
            **extra,
        }
    )
    if paid_on is not None:
        add_payment(rid, paid_on, amount)
    return rid


def add_payment(rid: int, day: date, amount: str, *, reversed_: bool = False) -> None:
    RAW["erp__payments"].append(
        {
            "payment_id": _next("payment"),
            "receivable_id": rid,
            "paid_on": day,
            "amount": m(amount),
            "method": "pix",
            "updated_at": UPD,
            "deleted_at": datetime(2026, 2, 2, 10) if reversed_ else None,
        }
    )


def add_return(item: int, day: date, quantity: str = "1", refund: str = "10.00") -> None:
    RAW["erp__returns"].append(
        {
            "return_id": _next("return"),
            "order_item_id": item,
            "returned_on": day,
            "quantity": m(quantity),
            "reason": "defeito de fábrica",
            "refund_amount": m(refund),
            "updated_at": UPD,
        }
    )


# ---- the main client: orders over five years (2023 and 2025 empty) -------------------
RAW["erp__orders"] += [
    {
        "order_id": 1,
        "company_id": 1,
        "order_code": "V-0001",
        "customer_code": "C100",
        "ordered_at": datetime(2022, 5, 10, 15),
        "status": "delivered",
        "updated_at": UPD,
    },
    {
        "order_id": 2,
        "company_id": 1,
        "order_code": "V-0002",
        "customer_code": "C100",
        "ordered_at": datetime(2024, 7, 1, 15),
        "status": "delivered",
        "updated_at": UPD,
    },
    {
        "order_id": 3,
        "company_id": 1,
        "order_code": "V-0003",
        "customer_code": "C100",
        "ordered_at": datetime(2024, 8, 1, 15),
        "status": "cancelled",
        "updated_at": UPD,
    },
    {
        "order_id": 4,
        "company_id": 1,
        "order_code": "V-0004",
        "customer_code": "C100",
        "ordered_at": datetime(2026, 2, 1, 15),
        "status": "invoiced",
        "promised_delivery_on": date(2026, 3, 20),
        "updated_at": UPD,
    },
]
RAW["erp__order_items"] += [
    {
        "order_item_id": 1,
        "order_id": 1,
        "product_id": 1,
        "quantity": m("2"),
        "unit_price": m("100.00"),
        "discount_amount": m("10.00"),
        "updated_at": UPD,
    },
    {
        "order_item_id": 2,
        "order_id": 2,
        "product_id": 2,
        "quantity": m("1"),
        "unit_price": m("50.50"),
        "discount_amount": m("0"),
        "updated_at": UPD,
    },
    {
        "order_item_id": 3,
        "order_id": 3,
        "product_id": 2,
        "quantity": m("1"),
        "unit_price": m("999.00"),
        "discount_amount": m("0"),
        "updated_at": UPD,
    },
    {
        "order_item_id": 4,
        "order_id": 4,
        "product_id": 1,
        "quantity": m("3"),
        "unit_price": m("20.00"),
        "discount_amount": m("0"),
        "lot_number": "L-7",
        "size": "M",
        "updated_at": UPD,
    },
]
add_return(2, date(2024, 7, 15), refund="50.50")

add_title("C100", D, "100.00", receivable_id=1, order_id=4)
add_title("C100", date(2026, 3, 5), "200.00", paid_on=date(2026, 3, 5), receivable_id=2)
add_title("C100", date(2026, 3, 1), "300.00", receivable_id=3)
add_payment(3, date(2026, 2, 20), "100.00")
add_title("C100", date(2026, 2, 1), "150.00", receivable_id=4)
add_payment(4, date(2026, 1, 30), "150.00", reversed_=True)
add_title("C100", date(2025, 12, 1), "500.00", receivable_id=5, renegotiated_on=date(2026, 2, 15))
add_title("C100", date(2026, 1, 1), "400.00", receivable_id=6, renegotiated_on=date(2026, 2, 15))
for n, (rid, due) in enumerate(
    [(7, date(2026, 3, 1)), (8, date(2026, 4, 1)), (9, date(2026, 5, 1))], start=1
):
    add_title("C100", due, "250.00", receivable_id=rid, negotiation_id=1)
    RAW["erp__receivables"][-1].update(
        {"document_number": "AC-1", "installment_number": n, "installments_total": 3}
    )
add_payment(7, date(2026, 2, 28), "250.00")
add_payment(8, date(2026, 3, 11), "250.00")  # after as_of: does not count
add_title("C100", date(2026, 1, 10), "80.00", receivable_id=10, credit_bureau_on=date(2026, 3, 1))
add_title("C100", date(2026, 1, 20), "60.00", receivable_id=11, collection_on=date(2026, 3, 5))
add_title("C100", date(2026, 2, 10), "70.00", receivable_id=12, credit_bureau_on=date(2026, 3, 11))
add_title("C100", date(2026, 2, 15), "999.00", receivable_id=13, cancelled_on=date(2026, 3, 1))
add_title("C100", date(2026, 2, 10), "50.00", paid_on=date(2026, 2, 12), receivable_id=14)
add_title(
    "C100", date(2022, 6, 10), "190.00", paid_on=date(2022, 6, 10), receivable_id=15, order_id=1
)

RAW["erp__negotiations"] += [
    {
        "negotiation_id": 1,
        "company_id": 1,
        "customer_code": "C100",
        "document_number": "AC-1",
        "agreed_on": date(2026, 2, 15),
        "original_debt": m("900.00"),
        "agreed_amount": m("750.00"),
        "installments_count": 3,
        "status": "active",
        "updated_at": UPD,
    },
]
RAW["erp__service_orders"] += [
    {
        "service_order_id": 1,
        "company_id": 1,
        "customer_code": "C100",
        "equipment": "Poltrona reclinável",
        "serial_number": "SN-9",
        "opened_at": datetime(2024, 9, 1, 9),
        "closed_at": datetime(2024, 9, 5, 17),
        "status": "done",
        "technician_name": "Sérgio",
        "updated_at": UPD,
    },
    {
        "service_order_id": 2,
        "company_id": 1,
        "customer_code": "C100",
        "equipment": "Sofá",
        "opened_at": datetime(2025, 4, 1, 9),
        "status": "cancelled",
        "updated_at": UPD,
    },
]
RAW["erp__service_order_lines"] += [
    {
        "line_id": 1,
        "service_order_id": 1,
        "line_type": "part",
        "product_id": 1,
        "description": "Mola",
        "quantity": m("2"),
        "unit_price": m("15.00"),
        "updated_at": UPD,
    },
    {
        "line_id": 2,
        "service_order_id": 1,
        "line_type": "service",
        "description": "Mão de obra",
        "quantity": m("1"),
        "unit_price": m("80.00"),
        "updated_at": UPD,
    },
]
RAW["erp__quotes"] += [
    {
        "quote_id": 1,
        "company_id": 1,
        "customer_code": "C100",
        "salesperson_email": "REP@carteira.example",
        "created_at": datetime(2026, 3, 1, 10),
        "valid_until": date(2026, 3, 31),
        "status": "open",
        "amount": m("1200.00"),
        "updated_at": UPD,
    },
    {
        "quote_id": 2,
        "company_id": 1,
        "customer_code": "C100",
        "created_at": datetime(2026, 1, 1, 10),
        "valid_until": date(2026, 3, 1),
        "status": "open",
        "amount": m("300.00"),
        "updated_at": UPD,
    },
    {
        "quote_id": 3,
        "company_id": 1,
        "customer_code": "C100",
        "created_at": datetime(2026, 2, 1, 10),
        "valid_until": date(2026, 3, 31),
        "status": "won",
        "amount": m("60.00"),
        "updated_at": UPD,
    },
]
RAW["erp__schedule_events"] += [
    {
        "event_id": 1,
        "company_id": 1,
        "customer_code": "C100",
        "event_type": "delivery",
        "scheduled_for": datetime(2026, 3, 20, 9),
        "status": "scheduled",
        "responsible_email": "rep@carteira.example",
        "order_id": 4,
        "updated_at": UPD,
    },
    {
        "event_id": 2,
        "company_id": 1,
        "customer_code": "C100",
        "event_type": "technical_visit",
        "scheduled_for": datetime(2024, 9, 2, 14),
        "completed_at": datetime(2024, 9, 2, 15),
        "status": "done",
        "updated_at": UPD,
    },
]
RAW["crm__client_notes"] += [
    {
        "note_id": "n1",
        "client_id": "c100",
        "kind": "contact",
        "body": "Prefere WhatsApp",
        "created_by_staff_id": "rep",
        "created_at": datetime(2026, 1, 5, 13),
        "updated_at": UPD,
    },
    {
        "note_id": "n2",
        "client_id": "c100",
        "kind": "warning",
        "body": "Não ligar após 18h",
        "created_by_staff_id": "rep",
        "created_at": datetime(2025, 6, 1, 13),
        "updated_at": UPD,
    },
    {
        "note_id": "n3",
        "client_id": "c100",
        "kind": "reference",
        "body": "apagada",
        "created_at": datetime(2025, 6, 1, 13),
        "updated_at": UPD,
        "deleted_at": datetime(2025, 6, 2, 13),
    },
]
RAW["crm__tasks"] += [
    {
        "task_id": "t1",
        "client_id": "c100",
        "task_type": "call",
        "assigned_staff_id": "rep",
        "due_at": datetime(2026, 3, 15, 13),
        "status": "open",
        "created_at": datetime(2026, 3, 1, 13),
        "updated_at": UPD,
    },
]
RAW["crm__interactions"] += [
    {
        "interaction_id": "i1",
        "client_id": "c100",
        "staff_id": "rep",
        "channel": "whatsapp",
        "direction": "outbound",
        "occurred_at": datetime(2026, 3, 2, 15),
        "subject": "Boleto",
        "updated_at": UPD,
    },
]

# ---- alert histories -----------------------------------------------------------------
# purchase_gap: C201 bought every 30 days, then nothing for 180 days (z = 150 / 7 >> 2).
for days in (300, 270, 240, 210, 180):
    add_order("C201", ago(days), "100.00")
# C202 still buys every 30 days: no alert.
for days in (170, 140, 110, 80, 50, 20):
    add_order("C202", ago(days), "100.00")
# C203 buys erratically (gaps 10, 90, 20, 100 days); a 120-day gap is within its own
# spread (z = 65 / 46.55 = 1.40): no alert, though 120 days is twice its mean gap.
for days in (340, 330, 240, 220, 120):
    add_order("C203", ago(days), "100.00")
# payments_turning_late: C301 paid 3 titles on time, the 2 due in the last 90 days are unpaid.
for days in (200, 170, 140):
    add_title("C301", ago(days), "100.00", paid_on=ago(days))
for days in (60, 30):
    add_title("C301", ago(days), "100.00")
# C302 was always late: the same recent titles are no change of behaviour.
for days in (200, 170, 140):
    add_title("C302", ago(days), "100.00", paid_on=ago(days - 10))
for days in (60, 30):
    add_title("C302", ago(days), "100.00")
# spending_drop: C401 bought 2000 in the year before last, 300 in the last 365 days.
for days, value in ((600, "1000.00"), (500, "1000.00"), (100, "300.00")):
    add_order("C401", ago(days), value)
# C402: 2000 then 1500 (75 %): no alert.
for days, value in ((600, "1000.00"), (400, "1000.00"), (200, "1000.00"), (100, "500.00")):
    add_order("C402", ago(days), value)
# returns_spike: C501 never returned anything, then 2 returns in the last 90 days.
_, item_501 = add_order("C501", ago(400), "100.00", quantity="10")
add_return(item_501, ago(30))
add_return(item_501, ago(10))
# C502: one recent return only.
_, item_502 = add_order("C502", ago(400), "100.00", quantity="10")
add_return(item_502, ago(300))
add_return(item_502, ago(20))
# C503 returns about once a quarter (8 in the 730 days before the window): 2 is its usual.
_, item_503 = add_order("C503", ago(850), "100.00", quantity="20")
for days in (150, 240, 330, 420, 510, 600, 690, 780):
    add_return(item_503, ago(days))
add_return(item_503, ago(50))
add_return(item_503, ago(5))

for code in ("C201", "C202", "C203", "C301", "C302", "C401", "C402", "C501", "C502", "C503"):
    RAW["erp__customers"].append(
        {"customer_code": code, "full_name": f"Cliente {code}", "updated_at": UPD}
    )

EXPECTED_ALERTS = {
    (JOAO, "credit_bureau"),
    (erp_key("C201"), "purchase_gap"),
    (erp_key("C301"), "payments_turning_late"),
    (erp_key("C401"), "spending_drop"),
    (erp_key("C501"), "returns_spike"),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("reports_customer")
    raw = create_raw_db(work / "raw.duckdb")
    for name, rows in RAW.items():
        insert_rows(raw, name, rows)
    build = work / "warehouse.duckdb"
    run_dbt(["build", *SELECT], build, raw, vars={"as_of": AS_OF})
    yield build


def invoke(warehouse: Path, *args: str) -> Result:
    return CliRunner().invoke(report, [*args, "--warehouse", str(warehouse)])


def run_json(warehouse: Path, *args: str) -> dict[str, Any]:
    result = invoke(warehouse, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"report", "params", "summary", "rows"}
    return out


# --------------------------------------------------------------------------- history


def test_history_titles_at_the_status_rule_boundaries(warehouse: Path) -> None:
    out = run_json(warehouse, "customer-history", "--client", "C100")
    assert out["params"]["client_key"] == JOAO and out["params"]["as_of"] == AS_OF
    assert out["summary"]["total_receivable"] == 1160
    assert out["summary"]["overdue_amount"] == 560
    titles = {t["receivable_id"]: t for t in out["rows"]["titles"]}
    expected = {
        1: ("open", 100, 0, 0),
        2: ("received", 0, 200, 0),
        3: ("overdue", 200, 100, 9),
        4: ("overdue", 150, 0, 37),
        5: ("renegotiated", 500, 0, None),
        6: ("renegotiated", 400, 0, None),
        7: ("received", 0, 250, 0),
        8: ("open", 250, 0, 0),
        9: ("open", 250, 0, 0),
        10: ("credit_bureau", 80, 0, 59),
        11: ("in_collection", 60, 0, 49),
        12: ("overdue", 70, 0, 28),
        13: ("cancelled", 999, 0, None),
        14: ("received", 0, 50, 2),
        15: ("received", 0, 190, 0),
    }
    assert set(titles) == set(expected)
    for rid, (status, balance, paid, days_late) in expected.items():
        t = titles[rid]
        assert (t["status"], t["balance"], t["paid"]) == (status, balance, paid), rid
        if days_late is not None:
            assert t["days_late"] == days_late, rid
    assert titles[1]["order_code"] == "V-0004"
    assert titles[1]["company_name"] == "Móveis Conceição Ltda"
    assert (
        titles[8]["installment_number"],
        titles[8]["installments_total"],
        titles[8]["document_number"],
    ) == (2, 3, "AC-1")


def test_history_status_filter(warehouse: Path) -> None:
    out = run_json(
        warehouse,
        "customer-history",
        "--client",
        "C100",
        "--status",
        "overdue",
        "--status",
        "credit_bureau",
    )
    assert [t["receivable_id"] for t in out["rows"]["titles"]] == [10, 4, 12, 3]
    # the filter narrows the list, never the client's total
    assert out["summary"]["total_receivable"] == 1160


def test_history_sales_negotiations_schedule(warehouse: Path) -> None:
    out = run_json(warehouse, "customer-history", "--client", "C100")
    sales = out["rows"]["sales"]
    assert [s["order_code"] for s in sales] == ["V-0001", "V-0002", "V-0004"]  # V-0003 cancelled
    assert sales[0] == {
        "order_date": "2022-05-10",
        "order_code": "V-0001",
        "company_id": 1,
        "product_code": "P-1",
        "product_name": "Cadeira",
        "unit_price": 100,
        "quantity": 2,
        "discount_amount": 10,
        "line_value": 190,
        "lot_number": None,
        "size": None,
        "order_item_id": 1,
    }
    assert (sales[2]["lot_number"], sales[2]["size"], sales[2]["quantity"]) == ("L-7", "M", 3)

    (agreement,) = out["rows"]["negotiations"]
    assert (
        agreement["original_debt"],
        agreement["agreed_amount"],
        agreement["installments_count"],
        agreement["status"],
        agreement["titles_paid"],
        agreement["titles_receivable"],
    ) == (900, 750, 3, "active", 250, 500)
    assert [
        (t["receivable_id"], t["status"], t["due_on"]) for t in out["rows"]["negotiation_titles"]
    ] == [(7, "received", "2026-03-01"), (8, "open", "2026-04-01"), (9, "open", "2026-05-01")]

    schedule = out["rows"]["schedule"]
    assert [(e["event_type"], e["status"], e["responsible"]) for e in schedule] == [
        ("technical_visit", "done", None),
        ("delivery", "scheduled", "Renata Araújo"),
    ]


@pytest.mark.parametrize(
    "name", ["C100", "c100", "529.982.247-25", "52998224725", "529 982 247 25", JOAO]
)
def test_client_named_by_any_identifier(warehouse: Path, name: str) -> None:
    out = run_json(warehouse, "customer-history", "--client", name)
    assert out["summary"]["client_key"] == JOAO


def test_unknown_client_is_a_clear_error(warehouse: Path) -> None:
    result = invoke(warehouse, "customer-history", "--client", "nobody")
    assert result.exit_code == 1
    assert "no client named 'nobody'" in result.output


def test_history_csv_and_table(warehouse: Path) -> None:
    csv_out = invoke(
        warehouse, "customer-history", "--client", "C100", "--section", "titles", "--format", "csv"
    )
    assert csv_out.exit_code == 0, csv_out.output
    lines = csv_out.output.splitlines()
    assert lines[0].startswith("receivable_id,company_name,order_code")
    assert len(lines) == 1 + 15
    table = invoke(warehouse, "customer-history", "--client", "C100")
    assert table.exit_code == 0 and "[negotiation_titles]" in table.output


# --------------------------------------------------------------------------- client card


def test_card_financial_situation_and_installments(warehouse: Path) -> None:
    out = run_json(warehouse, "client-card", "--client", "c100")
    s = out["summary"]
    assert (s["total_receivable"], s["overdue_amount"]) == (1160, 560)
    assert s["on_time_payment_rate"] == 0.8  # payments of titles 2, 3, 7, 15 on time; 14 late
    assert s["max_days_late"] == 59
    assert s["avg_days_late"] == 20.44  # (0+9+37+0+59+49+28+2+0) / 9
    assert (s["crm_client_id"], s["erp_customer_code"]) == ("c100", "C100")
    on_time = {t["receivable_id"]: t["on_time"] for t in out["rows"]["installments"]}
    assert on_time == {
        1: None,
        2: True,
        3: False,
        4: False,
        5: None,
        6: None,
        7: True,
        8: None,
        9: None,
        10: False,
        11: False,
        12: False,
        13: None,
        14: False,
        15: True,
    }


def test_card_yearly_indicators_span_empty_years(warehouse: Path) -> None:
    out = run_json(warehouse, "client-card", "--client", "C100")
    yearly = {y["year"]: y for y in out["rows"]["yearly"]}
    assert list(yearly) == [2022, 2023, 2024, 2025, 2026]
    fields = (
        "orders",
        "sales_value",
        "items",
        "amount_due",
        "amount_paid",
        "on_time_rate",
        "service_orders",
        "returns",
    )
    assert {y: tuple(r[f] for f in fields) for y, r in yearly.items()} == {
        2022: (1, 190, 1, 190, 190, 1, 0, 0),
        2023: (0, 0, 0, 0, 0, None, 0, 0),
        2024: (1, 50.5, 1, 0, 0, None, 1, 1),
        2025: (0, 0, 0, 0, 0, None, 0, 0),  # the 2025 service order was cancelled
        # due by D, cancelled/renegotiated out: 100+200+300+150+250+80+60+70+50; paid in 2026
        # (counted): 200+100+250+50, on time 3 of 4
        2026: (1, 60, 1, 1260, 600, 0.75, 0, 0),
    }


def test_card_crm_sales_service_quotes(warehouse: Path) -> None:
    rows = run_json(warehouse, "client-card", "--client", "C100")["rows"]
    assert [(n["kind"], n["body"]) for n in rows["notes"]] == [
        ("warning", "Não ligar após 18h"),
        ("contact", "Prefere WhatsApp"),
    ]
    assert [(a["kind"], a["is_future"]) for a in rows["agenda"]] == [
        ("schedule_event", False),
        ("interaction", False),
        ("task", True),
        ("schedule_event", True),
    ]
    (service,) = [o for o in rows["service_orders"] if o["status"] == "done"]
    assert (
        service["equipment"],
        service["parts"],
        service["services"],
        service["technician_name"],
        service["total_amount"],
    ) == ("Poltrona reclinável", "Mola", "Mão de obra", "Sérgio", 110)
    assert [r["refund_amount"] for r in rows["returns"]] == [50.5]
    assert [o["order_code"] for o in rows["pending_orders"]] == ["V-0004"]
    assert [q["quote_id"] for q in rows["open_quotes"]] == [1]  # 2 expired on 03-01, 3 won
    assert len(rows["sales"]) == 3


# --------------------------------------------------------------------------- alerts


# client_alerts and the models it unions: the rule views hold the thresholds they were
# built with, so a changed var or seed is applied by running them all.
ALERT_MODELS = ("int_alert_rules", "int_alert_thresholds", "int_client_alerts__*", "client_alerts")


def alerts(db: Path) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute("select * from marts.client_alerts order by client_key, rule")
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_alerts_fire_only_on_the_histories_that_depart_from_their_pattern(
    warehouse: Path,
) -> None:
    raised = alerts(warehouse)
    assert {(a["client_key"], a["rule"]) for a in raised} == EXPECTED_ALERTS
    by_rule = {a["rule"]: a for a in raised}

    gap = json.loads(by_rule["purchase_gap"]["figures"])
    assert (gap["gaps"], gap["mean_gap_days"], gap["current_gap_days"]) == (4, 30, 180)
    assert gap["effective_stddev_days"] == 7 and gap["z_score"] == 21.43
    # the gap crossed mean + 2 sd = 44 days on the 44th day after the last purchase
    assert by_rule["purchase_gap"]["raised_on"] == ago(180) + timedelta(days=44)

    late = json.loads(by_rule["payments_turning_late"]["figures"])
    assert (
        late["recent_titles"],
        late["recent_late_titles"],
        late["baseline_titles"],
        late["baseline_late_titles"],
    ) == (2, 2, 3, 0)

    drop = json.loads(by_rule["spending_drop"]["figures"])
    assert (drop["current_value"], drop["previous_value"], drop["ratio"]) == (300, 2000, 0.15)

    spike = json.loads(by_rule["returns_spike"]["figures"])
    assert (spike["recent_returns"], spike["baseline_returns"]) == (2, 0)
    assert by_rule["returns_spike"]["raised_on"] == ago(10)

    bureau = by_rule["credit_bureau"]
    assert (bureau["subject"], bureau["raised_on"], bureau["severity"]) == (
        "10",
        date(2026, 3, 1),
        "critical",
    )
    assert "reported to a credit bureau on 2026-03-01" in bureau["message"]


def test_card_shows_alerts_with_their_figures(warehouse: Path) -> None:
    out = run_json(warehouse, "client-card", "--client", "C201")
    (alert,) = out["rows"]["alerts"]
    assert alert["rule"] == "purchase_gap"
    assert alert["figures"]["z_score"] == 21.43  # decoded JSON, not text
    assert "No purchase for 180 days" in alert["message"]
    assert out["summary"]["alerts"] == 1


def test_alert_thresholds_are_configuration(warehouse: Path, tmp_path: Path) -> None:
    """Overriding a threshold through var('alert_thresholds') changes who is flagged."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    raw = warehouse.parent / "raw.duckdb"
    run_dbt(
        ["run", "--select", *ALERT_MODELS],
        copy,
        raw,
        vars={
            "as_of": AS_OF,
            "alert_thresholds": {
                "purchase_gap": {"z_score": 1.0},
                "credit_bureau": {"enabled": False},
            },
        },
    )
    pairs = {(a["client_key"], a["rule"]) for a in alerts(copy)}
    # C203's 120-day gap (z = 1.40) now counts; bureau alerts are switched off
    assert pairs == (EXPECTED_ALERTS - {(JOAO, "credit_bureau")}) | {
        (erp_key("C203"), "purchase_gap")
    }


def test_alert_thresholds_are_seeds_business_users_edit(warehouse: Path, tmp_path: Path) -> None:
    """The same change made in the seeds (what editing seeds/*.csv loads) instead of a var."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "update seeds.alert_thresholds set value = '1.0' "
            "where rule = 'purchase_gap' and setting = 'z_score'"
        )
        con.execute("update seeds.alert_rules set enabled = false where rule = 'credit_bureau'")
    run_dbt(
        ["run", "--select", *ALERT_MODELS],
        copy,
        warehouse.parent / "raw.duckdb",
        vars={"as_of": AS_OF},
    )
    pairs = {(a["client_key"], a["rule"]) for a in alerts(copy)}
    assert pairs == (EXPECTED_ALERTS - {(JOAO, "credit_bureau")}) | {
        (erp_key("C203"), "purchase_gap")
    }


def test_pdf_status_labels_come_from_the_warehouse(warehouse: Path, tmp_path: Path) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "update marts.dim_status_label set label_pt = 'Em vigor' "
            "where domain = 'negotiation_status' and code = 'active'"
        )
    out = tmp_path / "acordo.pdf"
    result = invoke(copy, "negotiation", "--id", "1", "--format", "pdf", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = "\n".join(page.extract_text() for page in PdfReader(str(out)).pages)
    assert "Em vigor" in text and "Ativo" not in text


# --------------------------------------------------------------------------- negotiation PDF


def test_negotiation_pdf_renders_the_agreement_with_accents(
    warehouse: Path,
    tmp_path: Path,
) -> None:
    out = tmp_path / "acordo.pdf"
    result = invoke(warehouse, "negotiation", "--id", "1", "--format", "pdf", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = "\n".join(page.extract_text() for page in PdfReader(str(out)).pages)
    for expected in (
        "Acordo de renegociação nº 1",
        "Móveis Conceição Ltda",
        "João Conceição",
        "52998224725",
        "R$ 900,00",
        "R$ 750,00",
        "15/02/2026",
        "01/04/2026",
        "01/05/2026",
        "Recebido",
        "Em aberto",
        "Dívida original",
        "Situação do acordo",
        "Ativo",
        "R$ 500,00",
    ):
        assert expected in text, expected


def test_negotiation_json_and_errors(warehouse: Path, tmp_path: Path) -> None:
    out = run_json(warehouse, "negotiation", "--id", "1")
    assert out["summary"]["client_name"] == "João Conceição"
    assert [t["installment_number"] for t in out["rows"]["installments"]] == [1, 2, 3]
    missing = invoke(warehouse, "negotiation", "--id", "99")
    assert missing.exit_code == 1 and "no negotiation with id 99" in missing.output
    no_out = invoke(warehouse, "negotiation", "--id", "1", "--format", "pdf")
    assert no_out.exit_code == 2 and "--out" in no_out.output
