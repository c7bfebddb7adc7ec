"""Customer portfolio (report 6) and its saved views on a hand-written raw layer.

as_of is 2026-03-10. Projects, contracts and purchase orders (worked out by hand):

| project | created    | env | resp. | contracts (signed, env, stage)               | w/o contract |
|---------|------------|-----|-------|----------------------------------------------|--------------|
| 1       | 2026-03-02 | 5   | rep   | none                                         | 5            |
| 2       | 2026-01-15 | 6   | rep   | K1 (03-05, 2, order), K2 (02-10, 3, cancel.) | 6 - 2 = 4    |
| 3       | 2025-11-01 | 2   | rep   | K3 (2025-12-01, 2, completed)                | 0            |
| 4       | 2026-02-01 | 4   | mgr   | K4 (02-20, 4, assembly)                      | 0            |
| 5       | 2026-03-03 | 3   | mgr   | none                                         | 3            |
| 6       | 2026-02-10 | 3   | mgr   | K5 (03-01, 3, cancelled)                     | 3            |

K1's purchase orders: 03-06 open, 03-08 received, 03-09 cancelled (counts nowhere) and
03-12 (after as_of): 2 orders, the last on 03-08.

Last contact with customer C700 (projects 1-3) across systems: crm interaction 03-01,
matched pbx call 03-04, crm task completed 03-06, erp schedule event completed 03-08 10:00
(the latest), and an interaction on 03-12 after as_of (ignored). C701 (projects 4-6): one
unanswered call on 02-20.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner, Result

from carteira.cli.reports import report
from carteira.cli.views import VIEWS_GROUP
from carteira.reports import engine
from carteira.reports.views import PORTFOLIO_COLUMNS
from tests.helpers.rawdb import CUSTOMER_REPORT_MODELS, create_raw_db, insert_rows, run_dbt

AS_OF = "2026-03-10"
UPD = datetime(2026, 1, 1, 9, 0)
SELECT = [
    "--indirect-selection",
    "cautious",
    "--select",
    *CUSTOMER_REPORT_MODELS,
]
C700 = hashlib.md5(b"doc:11222333000181").hexdigest()
C701 = hashlib.md5(b"doc:52998224725").hexdigest()


def project(pid: int, code: str, created: date, env: int, email: str, **extra: Any) -> dict:
    return {
        "project_id": pid,
        "company_id": 1,
        "customer_code": code,
        "responsible_email": email,
        "specifier_name": f"Arq. Especificador {pid}",
        "created_at": datetime(created.year, created.month, created.day, 10),
        "environments_count": env,
        "probable_sale_amount": Decimal("10000.00"),
        "expected_close_on": date(2026, 4, 30),
        "closing_status": "open",
        "updated_at": UPD,
        **extra,
    }


def contract(cid: int, pid: int, signed: date, env: int, stage: str) -> dict:
    return {
        "contract_id": cid,
        "project_id": pid,
        "contract_number": f"K{cid}",
        "signed_on": signed,
        "amount": Decimal("5000.00"),
        "environments_count": env,
        "stage": stage,
        "updated_at": UPD,
    }


REP, MGR = "rep@carteira.example", "mgr@carteira.example"
RAW: dict[str, list[dict[str, Any]]] = {
    "crm__staff": [
        {
            "staff_id": "rep",
            "full_name": "Renata Araújo",
            "email": "Rep@Carteira.example",
            "department_id": "sales",
            "extension": "201",
            "can_view_all": False,
            "active": True,
            "updated_at": UPD,
        },
        {
            "staff_id": "mgr",
            "full_name": "Márcio Gerente",
            "email": MGR,
            "department_id": "sales",
            "extension": "200",
            "can_view_all": False,
            "active": True,
            "updated_at": UPD,
        },
    ],
    "crm__clients": [
        {
            "client_id": "c700",
            "full_name": "Construtora Aurora",
            "document_number": "11.222.333/0001-81",
            "phones": ["(11) 98765-4321"],
            "created_at": datetime(2025, 1, 1),
            "updated_at": UPD,
        },
        {
            "client_id": "c701",
            "full_name": "Ana Souza",
            "document_number": "529.982.247-25",
            "phones": ["(21) 99999-8888"],
            "created_at": datetime(2025, 1, 1),
            "updated_at": UPD,
        },
    ],
    "crm__interactions": [
        {
            "interaction_id": "i1",
            "client_id": "c700",
            "channel": "email",
            "direction": "outbound",
            "occurred_at": datetime(2026, 3, 1, 13),
            "updated_at": UPD,
        },
        {
            "interaction_id": "i2",
            "client_id": "c700",
            "channel": "email",
            "direction": "outbound",
            "occurred_at": datetime(2026, 3, 12, 13),
            "updated_at": UPD,
        },
    ],
    "crm__tasks": [
        {
            "task_id": "t1",
            "client_id": "c700",
            "task_type": "visit",
            "status": "done",
            "due_at": datetime(2026, 3, 6, 13),
            "completed_at": datetime(2026, 3, 6, 15),
            "created_at": datetime(2026, 3, 1, 13),
            "updated_at": UPD,
        },
        {
            "task_id": "t2",
            "client_id": "c700",
            "task_type": "call",
            "status": "open",
            "due_at": datetime(2026, 3, 9, 23),
            "created_at": datetime(2026, 3, 1, 13),
            "updated_at": UPD,
        },
    ],
    "pbx__calls": [
        {
            "call_id": 1,
            "started_at": datetime(2026, 3, 4, 9),
            "extension": "201",
            "direction": "outbound",
            "from_number": "201",
            "to_number": "11987654321",
            "disposition": "ANSWERED",
            "talk_seconds": 60,
        },
        {
            "call_id": 2,
            "started_at": datetime(2026, 2, 20, 14),
            "extension": "200",
            "direction": "outbound",
            "from_number": "200",
            "to_number": "(21) 99999-8888",
            "disposition": "NO ANSWER",
            "talk_seconds": 0,
        },
    ],
    "erp__companies": [{"company_id": 1, "name": "Planejados Sul", "updated_at": UPD}],
    "erp__customers": [
        {
            "customer_code": "C700",
            "full_name": "CONSTRUTORA AURORA LTDA",
            "document_number": "11222333000181",
            "updated_at": UPD,
        },
        {
            "customer_code": "C701",
            "full_name": "ANA SOUZA",
            "document_number": "52998224725",
            "updated_at": UPD,
        },
    ],
    "erp__schedule_events": [
        {
            "event_id": 1,
            "company_id": 1,
            "customer_code": "C700",
            "event_type": "assembly",
            "scheduled_for": datetime(2026, 3, 8, 8),
            "completed_at": datetime(2026, 3, 8, 10),
            "status": "done",
            "updated_at": UPD,
        },
        {
            "event_id": 2,
            "company_id": 1,
            "customer_code": "C701",
            "event_type": "delivery",
            "scheduled_for": datetime(2026, 3, 9, 8),
            "status": "scheduled",
            "updated_at": UPD,
        },
    ],
    "erp__projects": [
        project(1, "C700", date(2026, 3, 2), 5, REP),
        project(2, "C700", date(2026, 1, 15), 6, REP),
        project(3, "C700", date(2025, 11, 1), 2, REP, closing_status="won"),
        project(4, "C701", date(2026, 2, 1), 4, MGR, closing_status="won"),
        project(5, "C701", date(2026, 3, 3), 3, MGR, probable_sale_amount=None),
        project(6, "C701", date(2026, 2, 10), 3, MGR, closing_status="lost"),
    ],
    "erp__contracts": [
        contract(1, 2, date(2026, 3, 5), 2, "order"),
        contract(2, 2, date(2026, 2, 10), 3, "cancelled"),
        contract(3, 3, date(2025, 12, 1), 2, "completed"),
        contract(4, 4, date(2026, 2, 20), 4, "assembly"),
        contract(5, 6, date(2026, 3, 1), 3, "cancelled"),
    ],
    "erp__purchase_orders": [
        {
            "purchase_order_id": i,
            "contract_id": 1,
            "supplier_name": "Fábrica de MDF",
            "ordered_on": day,
            "amount": Decimal("1000.00"),
            "status": status,
            "updated_at": UPD,
        }
        for i, day, status in [
            (1, date(2026, 3, 6), "open"),
            (2, date(2026, 3, 8), "received"),
            (3, date(2026, 3, 9), "cancelled"),
            (4, date(2026, 3, 12), "open"),
        ]
    ],
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("reports_portfolio")
    raw = create_raw_db(work / "raw.duckdb")
    for name, rows in RAW.items():
        insert_rows(raw, name, rows)
    build = work / "warehouse.duckdb"
    run_dbt(["build", *SELECT], build, raw, vars={"as_of": AS_OF})
    yield build


@pytest.fixture(autouse=True)
def views_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "views"
    monkeypatch.setenv("CARTEIRA_VIEWS_DIR", str(folder))
    return folder


def invoke(warehouse: Path, *args: str) -> Result:
    return CliRunner().invoke(report, [*args, "--warehouse", str(warehouse)])


def run_json(warehouse: Path, *args: str) -> dict[str, Any]:
    result = invoke(warehouse, "portfolio", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"report", "params", "summary", "rows"}
    return out


def keyed(out: dict[str, Any]) -> dict[tuple[int, int | None], dict[str, Any]]:
    return {(r["project_id"], r["contract_id"]): r for r in out["rows"]}


def test_one_row_per_project_and_contract(warehouse: Path) -> None:
    out = run_json(warehouse)
    rows = keyed(out)
    assert set(rows) == {(1, None), (2, 1), (2, 2), (3, 3), (4, 4), (5, None), (6, 5)}
    assert out["summary"] == {
        "rows": 7,
        "projects": 6,
        "contracts": 5,
        "projects_without_contract": 2,
        "environments_without_contract": 5 + 4 + 0 + 0 + 3 + 3,
    }
    assert {k: r["environments_without_contract"] for k, r in rows.items()} == {
        (1, None): 5,
        (2, 1): 4,
        (2, 2): 4,
        (3, 3): 0,
        (4, 4): 0,
        (5, None): 3,
        (6, 5): 3,
    }
    k1 = rows[(2, 1)]
    assert (
        k1["contract_number"],
        k1["signed_date"],
        k1["stage"],
        k1["purchase_orders"],
        k1["last_purchase_order"],
    ) == ("K1", "2026-03-05", "order", 2, "2026-03-08")
    assert (k1["customer"], k1["responsible"], k1["specifier"]) == (
        "Construtora Aurora",
        "Renata Araújo",
        "Arq. Especificador 2",
    )
    assert rows[(2, 2)]["purchase_orders"] == 0 and rows[(2, 2)]["last_purchase_order"] is None


def test_last_contact_is_taken_across_every_system(warehouse: Path) -> None:
    rows = keyed(run_json(warehouse))
    assert (rows[(1, None)]["last_contact"], rows[(1, None)]["last_contact_source"]) == (
        "2026-03-08T10:00:00",
        "erp_schedule_event",
    )
    # an unanswered call is still the latest contact attempt
    assert (rows[(4, 4)]["last_contact"], rows[(4, 4)]["last_contact_source"]) == (
        "2026-02-20T14:00:00",
        "pbx_call",
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        contacts = con.execute(
            "select contacts from marts.client_last_contact where client_key = ?", [C700]
        ).fetchone()
    assert contacts == (4,)  # interaction, call, task, event; not the one after as_of


def test_filters(warehouse: Path) -> None:
    def ids(*args: str) -> set[tuple[int, int | None]]:
        return set(keyed(run_json(warehouse, *args)))

    assert ids("--stage", "none") == {(1, None), (5, None)}
    assert ids("--stage", "none", "--stage", "cancelled") == {(1, None), (5, None), (2, 2), (6, 5)}
    assert ids("--created-from", "2026-03-01", "--created-to", "2026-03-31") == {
        (1, None),
        (5, None),
    }
    assert ids("--responsible", "mgr") == {(4, 4), (5, None), (6, 5)}
    assert ids("--responsible", REP, "--stage", "none") == {(1, None)}
    assert ids("--signed-from", "2026-03-01", "--signed-to", "2026-03-31") == {(2, 1), (6, 5)}


def test_builtin_views_resolve_periods_against_the_warehouse_as_of(warehouse: Path) -> None:
    out = run_json(warehouse, "--view", "no-contract-this-month")
    assert out["params"]["created_from"] == "2026-03-01"
    assert out["params"]["created_to"] == "2026-03-31"
    assert [r["project_id"] for r in out["rows"]] == [1, 5]
    assert list(out["rows"][0]) == [
        "project_id",
        "customer",
        "responsible",
        "created_date",
        "closing_status",
        "environments",
        "probable_sale",
        "expected_closing",
    ]
    assert out["rows"][1]["probable_sale"] is None

    out = run_json(warehouse, "--view", "contracts-this-month")
    assert [(r["contract_number"], r["environments_without_contract"]) for r in out["rows"]] == [
        ("K1", 4),
        ("K5", 3),
    ]

    out = run_json(warehouse, "--view", "contract-status-this-year")
    assert [
        (r["contract_number"], r["stage"], r["purchase_orders"], r["last_purchase_order"])
        for r in out["rows"]
    ] == [("K1", "order", 2, "2026-03-08"), ("K4", "assembly", 0, None)]
    assert out["rows"][1]["last_contact"] == "2026-02-20T14:00:00"


def test_command_line_filters_override_a_view(warehouse: Path) -> None:
    out = run_json(warehouse, "--view", "no-contract-this-month", "--responsible", "rep")
    assert [r["project_id"] for r in out["rows"]] == [1]
    # an explicit bound replaces the view's relative period
    out = run_json(warehouse, "--view", "no-contract-this-month", "--created-from", "2025-01-01")
    assert [r["project_id"] for r in out["rows"]] == [1, 5]
    assert out["params"]["created_from"] == "2025-01-01" and "created_to" not in out["params"]


def test_user_view_saved_then_run_by_name(warehouse: Path, views_dir: Path) -> None:
    runner = CliRunner()
    saved = runner.invoke(
        VIEWS_GROUP,
        [
            "save",
            "mgr-cancelled",
            "--description",
            "Contratos cancelados do Márcio",
            "--filter",
            "responsible=mgr",
            "--filter",
            "stage=cancelled",
            "--columns",
            "project_id,contract_number,environments_without_contract",
        ],
    )
    assert saved.exit_code == 0, saved.output
    assert (views_dir / "mgr-cancelled.yml").is_file()
    ran = runner.invoke(
        VIEWS_GROUP, ["run", "mgr-cancelled", "--warehouse", str(warehouse), "--format", "json"]
    )
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["rows"] == [
        {"project_id": 6, "contract_number": "K5", "environments_without_contract": 3}
    ]


def test_unknown_view_or_column_is_refused(warehouse: Path) -> None:
    result = invoke(warehouse, "portfolio", "--view", "nope")
    assert result.exit_code == 1 and "no view named 'nope'" in result.output
    result = invoke(warehouse, "portfolio", "--columns", "project_id,colour")
    assert result.exit_code == 1 and "unknown column(s) colour" in result.output


def test_declared_columns_match_the_query(warehouse: Path) -> None:
    with engine.connect(warehouse) as con:
        cur = con.execute(
            engine.query_text("portfolio"),
            {
                "created_from": None,
                "created_to": None,
                "signed_from": None,
                "signed_to": None,
                "responsible": None,
                "stages": None,
            },
        )
        assert tuple(d[0] for d in cur.description) == PORTFOLIO_COLUMNS
