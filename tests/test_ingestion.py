"""Ingestion into the raw layer: hand-written landing zones with exact bytes."""

from __future__ import annotations

import json
import os
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from carteira.contract import SYSTEMS, TABLES, TABLES_BY_FQN, Column  # noqa: E402
from carteira.ingestion import (  # noqa: E402
    IngestResult,
    bookkeeping,
    discover_files,
    ensure_raw_schema,
    ingest_all,
    ingest_table,
    per_file,
    staging,
    validate_extract,
)
from carteira.ingestion.formats import python_regex, sql_convert, value_pattern  # noqa: E402
from tests.helpers.landing import q  # noqa: E402
from tests.helpers.landing import quarantine as quarantine_rows  # noqa: E402

T = TABLES_BY_FQN

# ----------------------------------------------------------------------------- file bytes
CLIENTS_1 = (
    '{"client_id":"c_000001","full_name":"João Conceição","document_number":"123.456.789-09",'
    '"email":"joao@example.com","phones":["(11) 98765-4321","+55 11 98765 4321"],'
    '"source":"website","client_group":"vip","owner_staff_id":"s_01","city":"São Paulo",'
    '"created_at":"2026-11-01T13:05:00Z","updated_at":"2026-11-20T23:59:59Z"}\n'
    '{"client_id":"c_000002","full_name":"Ana \\"Aninha\\" Souza","phones":[],'
    '"created_at":"2026-11-02T00:00:00Z","updated_at":"2026-11-20T10:00:00Z",'
    '"deleted_at":"2026-11-20T10:00:00Z","utm_campaign":"black-friday"}\n'
).encode()
CLIENTS_2 = (
    '{"client_id":"c_000001","full_name":"João Conceição","phones":["11987654321"],'
    '"created_at":"2026-11-01T13:05:00Z","updated_at":"2026-11-21T08:00:00.5Z"}\n'
).encode()
OPPS = (
    b'{"opportunity_id":"o_1","client_id":"c_000001","stage":"won","amount":1234.56,'
    b'"created_at":"2026-11-01T10:00:00Z","updated_at":"2026-11-20T10:00:00Z"}\n'
    b'{"opportunity_id":"o_2","client_id":"c_000001","stage":"new","amount":"12,5",'
    b'"created_at":"2026-11-01T10:00:00Z","updated_at":"2026-11-20T10:00:00Z"}\n'
    b'{"opportunity_id":"o_3","client_id":"c_000002","stage":"lost",'
    b'"created_at":"2026-11-01T10:00:00Z","updated_at":"2026-11-20T10:00:00"}\n'
)
DEPARTMENTS_NOT_JSON = (
    b'{"department_id":"d_1","name":"Vendas","updated_at":"2026-11-20T10:00:00Z"}\n{oops\n'
)

CALLS_1 = (
    b"call_id,started_at,extension,direction,from_number,to_number,disposition,talk_seconds\n"
    b"1,2026-11-20 09:00:00,201,outbound,201,(11) 98765-4321,ANSWERED,125\n"
    b"2,2026-11-20 09:05:10,202,inbound,11987654321,202,NO ANSWER,0\n"
    b'3,2026-11-20 09:07:00,201,outbound,201,"+55 11 98765 4321",BUSY,0\n'
)
CALLS_1_2 = (
    b"call_id,started_at,extension,direction,from_number,to_number,disposition,talk_seconds\n"
    b"4,2026-11-20 18:00:00,203,inbound,98765-4321,203,ANSWERED,60\n"
)
CALLS_BAD_NAME = CALLS_1_2.replace(b"4,", b"5,")

SESSIONS = (
    b"session_id,activity_id,area_id,instructor_id,starts_at,ends_at,capacity,finalized_at,"
    b"cancelled,updated_at\n"
    b"10,1,1,1,2026-11-20 07:00,2026-11-20 08:00,12,2026-11-20 08:05,false,2026-11-20 08:05\n"
    b"11,1,1,1,2026-11-20 09:00,2026-11-20 10:00,ten,,false,2026-11-20 08:05\n"
    b"12,1,1,1,2026-11-20 11:00,2026-11-20 12:00,12,,yes,2026-11-20 08:05\n"
    b"13,1,1,1,2026-11-20 13:00,2026-11-20 14:00,8,,true,2026-11-20 08:05\n"
)
MEMBERS_MISSING_REQUIRED = (  # no registration_type column
    b"member_id,full_name,document_number,email,phone,joined_on,updated_at\n"
    b"1,Maria,,,,2026-01-10,2026-11-20 08:00\n"
)

ERP_CUSTOMERS = (
    "customer_code;full_name;document_number;email;phone;city;updated_at;loyalty_tier\n"
    'C000001;"João D\'Ávila; ""Filho""";123.456.789-09;joao@ex.com;(11) 3333-4444;'
    "São Paulo;20/11/2026 10:00:00;ouro\n"
    'C000002;"Conceição ""Ltda""\nFilial Norte";12.345.678/0001-95;;;Niterói;'
    "20/11/2026 11:30:00;\n"
).encode("latin-1")
RECEIVABLES = (
    "receivable_id;company_id;customer_code;order_id;negotiation_id;document_number;"
    "installment_number;installments_total;issued_on;due_on;amount;cancelled_on;"
    "renegotiated_on;credit_bureau_on;collection_on;updated_at\n"
    "1;1;C000001;100;;NF-1/1;1;2;01/11/2026;01/12/2026;1.234,56;;;;;20/11/2026 10:00:00\n"
    "2;1;C000001;100;;NF-1/2;2;2;01/11/2026;01/01/2027;-0,05;;;;;20/11/2026 10:00:00\n"
    ";1;C000002;;;NF-2/1;1;1;01/11/2026;01/12/2026;10,00;;;;;20/11/2026 10:00:00\n"
    "4;1;C000002;;;NF-3/1;1;1;31/02/2026;01/12/2026;10,00;;;;;20/11/2026 10:00:00\n"
    "5;1;C000002;;;NF-4/1;1;1;01/11/2026;01/12/2026;12,345;;;;;20/11/2026 10:00:00\n"
    "6;1;C000002;;;NF-5/1;1;1;29/02/2028;01/12/2026;1.000.000,10;;;;;20/11/2026 23:59:59\n"
).encode("latin-1")
PAYMENTS_NO_DELETED_AT = (  # deleted_at (nullable) absent
    "payment_id;receivable_id;paid_on;amount;method;updated_at\n"
    "1;1;15/11/2026;234,56;pix;15/11/2026 12:00:00\n"
).encode("latin-1")
COMPANIES_BAD_QUOTING = (
    'company_id;name;updated_at\n1;"Loja Centro;20/11/2026 10:00:00\n2;Filial;20/11/2026 10:00:00\n'
).encode("latin-1")
COMPANIES_GOOD = "company_id;name;updated_at\n1;Móveis Ação;20/11/2026 10:00:00\n".encode("latin-1")


def write(landing: Path, rel: str, data: bytes) -> Path:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture()
def landing(tmp_path: Path) -> Path:
    land = tmp_path / "landing"
    write(land, "crm/clients/clients_20261120.jsonl", CLIENTS_1)
    write(land, "crm/clients/clients_20261121.jsonl", CLIENTS_2)
    write(land, "crm/opportunities/opportunities_20261120.jsonl", OPPS)
    write(land, "crm/departments/departments_20261120.jsonl", DEPARTMENTS_NOT_JSON)
    write(land, "pbx/calls/calls_20261120.csv", CALLS_1)
    write(land, "pbx/calls/calls_20261120_2.csv", CALLS_1_2)
    write(land, "pbx/calls/calls_2026-11-21.csv", CALLS_BAD_NAME)
    write(land, "studio/sessions/sessions_20261120.csv", SESSIONS)
    write(land, "studio/members/members_20261120.csv", MEMBERS_MISSING_REQUIRED)
    write(land, "erp/customers/customers_20261120.csv", ERP_CUSTOMERS)
    write(land, "erp/receivables/receivables_20261120.csv", RECEIVABLES)
    write(land, "erp/payments/payments_20261120.csv", PAYMENTS_NO_DELETED_AT)
    write(land, "erp/companies/companies_20261120.csv", COMPANIES_BAD_QUOTING)
    write(land, "erp/companies/companies_20261121.csv", COMPANIES_GOOD)
    return land


def run(tmp_path: Path, land: Path, **kw) -> IngestResult:
    return ingest_all(tmp_path / "wh" / "raw.duckdb", land, **kw)


# ----------------------------------------------------------------------------- schema
def test_ensure_raw_schema_is_idempotent_and_complete() -> None:
    con = duckdb.connect()
    ensure_raw_schema(con)
    ensure_raw_schema(con)
    names = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema='raw'"
        ).fetchall()
    }
    assert names == {t.fqn for t in TABLES} | {"_manifest", "_quarantine"}
    cols = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema='raw' AND table_name='erp__receivables' "
        "ORDER BY ordinal_position"
    ).fetchall()
    assert [c for c, _ in cols] == T["erp__receivables"].column_names + [
        "_extras",
        "_file_name",
        "_file_hash",
        "_extract_date",
        "_delivery_seq",
        "_row_number",
        "_loaded_at",
        "_load_id",
    ]
    types = dict(cols)
    assert types["amount"] == "DECIMAL(18,2)"
    assert types["due_on"] == "DATE" and types["updated_at"] == "TIMESTAMP"
    phones = con.execute(
        "SELECT data_type FROM information_schema.columns WHERE "
        "table_name='crm__clients' AND column_name='phones'"
    ).fetchall()
    assert phones == [("VARCHAR[]",)]


# ----------------------------------------------------------------------------- round trip
def test_round_trip_counts_and_exact_values(tmp_path: Path, landing: Path) -> None:
    lines: list[str] = []
    res = run(tmp_path, landing, progress=lambda message, _files: lines.append(message))
    by = res.by_table
    assert not res.errors
    # good files: every row of the file is in raw
    assert by["crm__clients"].rows_loaded == 3
    assert by["pbx__calls"].rows_loaded == 4
    assert by["erp__customers"].rows_loaded == 2
    assert by["erp__payments"].rows_loaded == 1
    counts = dict(
        q(
            tmp_path,
            "SELECT file_name, count(*) FROM ("
            "SELECT _file_name AS file_name FROM raw.crm__clients UNION ALL "
            "SELECT _file_name FROM raw.pbx__calls UNION ALL "
            "SELECT _file_name FROM raw.erp__customers) GROUP BY ALL",
        )
    )
    assert counts == {
        "crm/clients/clients_20261120.jsonl": 2,
        "crm/clients/clients_20261121.jsonl": 1,
        "pbx/calls/calls_20261120.csv": 3,
        "pbx/calls/calls_20261120_2.csv": 1,
        "erp/customers/customers_20261120.csv": 2,
    }

    # erp: Latin-1 accents, quotes, ';' and newline inside quotes, exact timestamps
    cust = q(
        tmp_path,
        "SELECT customer_code, full_name, document_number, email, city, "
        "updated_at, _row_number FROM raw.erp__customers ORDER BY 1",
    )
    assert cust == [
        (
            "C000001",
            'João D\'Ávila; "Filho"',
            "123.456.789-09",
            "joao@ex.com",
            "São Paulo",
            datetime(2026, 11, 20, 10, 0, 0),
            1,
        ),
        (
            "C000002",
            'Conceição "Ltda"\nFilial Norte',
            "12.345.678/0001-95",
            None,
            "Niterói",
            datetime(2026, 11, 20, 11, 30, 0),
            2,
        ),
    ]

    # erp decimals: exact Decimal, thousands separators, negative, dates
    rec = q(
        tmp_path,
        "SELECT receivable_id, amount, issued_on, due_on, updated_at, "
        "typeof(amount) FROM raw.erp__receivables ORDER BY 1",
    )
    assert rec == [
        (
            1,
            Decimal("1234.56"),
            date(2026, 11, 1),
            date(2026, 12, 1),
            datetime(2026, 11, 20, 10),
            "DECIMAL(18,2)",
        ),
        (
            2,
            Decimal("-0.05"),
            date(2026, 11, 1),
            date(2027, 1, 1),
            datetime(2026, 11, 20, 10),
            "DECIMAL(18,2)",
        ),
        (
            6,
            Decimal("1000000.10"),
            date(2028, 2, 29),
            date(2026, 12, 1),
            datetime(2026, 11, 20, 23, 59, 59),
            "DECIMAL(18,2)",
        ),
    ]

    # crm: Z timestamps stored as UTC wall time, arrays, accents, JSON numbers exact
    cl = q(
        tmp_path,
        "SELECT client_id, full_name, phones, city, created_at, updated_at, "
        "deleted_at, _extract_date, _delivery_seq FROM raw.crm__clients "
        "ORDER BY _extract_date, _row_number",
    )
    assert cl[0] == (
        "c_000001",
        "João Conceição",
        ["(11) 98765-4321", "+55 11 98765 4321"],
        "São Paulo",
        datetime(2026, 11, 1, 13, 5),
        datetime(2026, 11, 20, 23, 59, 59),
        None,
        date(2026, 11, 20),
        1,
    )
    assert cl[1][1] == 'Ana "Aninha" Souza' and cl[1][2] == []
    assert cl[1][6] == datetime(2026, 11, 20, 10)
    assert cl[2][5] == datetime(2026, 11, 21, 8, 0, 0, 500000)
    assert q(tmp_path, "SELECT amount FROM raw.crm__opportunities") == [(Decimal("1234.56"),)]

    # pbx: quoted field, timestamps, ints; second delivery of the day has seq 2
    calls = q(
        tmp_path,
        "SELECT call_id, started_at, to_number, disposition, talk_seconds, "
        "_delivery_seq, _row_number FROM raw.pbx__calls ORDER BY 1",
    )
    assert calls[0] == (1, datetime(2026, 11, 20, 9), "(11) 98765-4321", "ANSWERED", 125, 1, 1)
    assert calls[2][2] == "+55 11 98765 4321"
    assert calls[3] == (4, datetime(2026, 11, 20, 18), "203", "ANSWERED", 60, 2, 1)

    # studio: HH:MM timestamps and booleans
    ses = q(
        tmp_path,
        "SELECT session_id, starts_at, finalized_at, cancelled, capacity "
        "FROM raw.studio__sessions ORDER BY 1",
    )
    assert ses == [
        (10, datetime(2026, 11, 20, 7), datetime(2026, 11, 20, 8, 5), False, 12),
        (13, datetime(2026, 11, 20, 13), None, True, 8),
    ]

    # missing nullable column loads as NULL
    assert q(tmp_path, "SELECT payment_id, amount, deleted_at FROM raw.erp__payments") == [
        (1, Decimal("234.56"), None)
    ]

    # lineage columns
    lin = q(
        tmp_path,
        "SELECT DISTINCT _file_hash, _load_id, _loaded_at FROM raw.pbx__calls "
        "WHERE _delivery_seq = 1",
    )
    assert len(lin) == 1
    import hashlib

    assert lin[0][0] == hashlib.sha256(CALLS_1).hexdigest()
    assert lin[0][1] == res.load_id
    # progress: one line per file, naming the file
    assert any("pbx/calls/calls_20261120_2.csv" in ln and "1 rows" in ln for ln in lines)


def test_erp_text_exact_after_latin1_decode(tmp_path: Path, landing: Path) -> None:
    run(tmp_path, landing)
    names = [r[0] for r in q(tmp_path, "SELECT full_name FROM raw.erp__customers ORDER BY 1")]
    assert names == ['Conceição "Ltda"\nFilial Norte', 'João D\'Ávila; "Filho"']
    assert names[1].encode("latin-1") in ERP_CUSTOMERS.replace(b'""', b'"')


def test_unknown_column_survives_in_extras(tmp_path: Path, landing: Path) -> None:
    run(tmp_path, landing)
    extras = q(tmp_path, "SELECT customer_code, _extras FROM raw.erp__customers ORDER BY 1")
    assert json.loads(extras[0][1]) == {"loyalty_tier": "ouro"}
    assert json.loads(extras[1][1]) == {"loyalty_tier": None}
    cl = q(
        tmp_path,
        "SELECT client_id, _extras FROM raw.crm__clients "
        "WHERE _extract_date = DATE '2026-11-20' ORDER BY 1",
    )
    assert json.loads(cl[1][1]) == {"utm_campaign": "black-friday"}
    assert json.loads(cl[0][1]) == {"utm_campaign": None}
    # no unknown columns -> NULL
    assert q(tmp_path, "SELECT count(*) FROM raw.pbx__calls WHERE _extras IS NOT NULL") == [(0,)]


# ----------------------------------------------------------------------------- re-runs
def test_rerun_is_idempotent(tmp_path: Path, landing: Path) -> None:
    run(tmp_path, landing)
    snapshot_sql = (
        "SELECT file_name, file_hash, status, rows_loaded, load_id FROM raw._manifest ORDER BY ALL"
    )
    manifest = q(tmp_path, snapshot_sql)
    quarantine = quarantine_rows(tmp_path)
    totals = q(
        tmp_path,
        "SELECT (SELECT count(*) FROM raw.crm__clients), "
        "(SELECT count(*) FROM raw.erp__receivables), "
        "(SELECT count(*) FROM raw.pbx__calls)",
    )
    res2 = run(tmp_path, landing)
    assert res2.rows_loaded == 0 and res2.quarantined == 0 and not res2.errors
    assert sum(t.files_loaded for t in res2.tables) == 0
    assert res2.by_table["pbx__calls"].files_skipped == 3  # two good + badly named
    assert q(tmp_path, snapshot_sql) == manifest
    assert quarantine_rows(tmp_path) == quarantine
    assert (
        q(
            tmp_path,
            "SELECT (SELECT count(*) FROM raw.crm__clients), "
            "(SELECT count(*) FROM raw.erp__receivables), "
            "(SELECT count(*) FROM raw.pbx__calls)",
        )
        == totals
    )


def test_corrected_redelivery_loads_new_versions(tmp_path: Path, landing: Path) -> None:
    run(tmp_path, landing)
    write(
        landing, "pbx/calls/calls_20261120.csv", CALLS_1.replace(b"ANSWERED,125", b"ANSWERED,126")
    )
    res = run(tmp_path, landing)
    assert res.by_table["pbx__calls"].files_loaded == 1
    assert res.by_table["pbx__calls"].rows_loaded == 3
    versions = q(
        tmp_path,
        "SELECT talk_seconds, _load_id FROM raw.pbx__calls WHERE call_id = 1 ORDER BY _loaded_at",
    )
    assert [v[0] for v in versions] == [125, 126]
    assert versions[1][1] == res.load_id
    manifest = q(
        tmp_path,
        "SELECT count(DISTINCT file_hash) FROM raw._manifest "
        "WHERE file_name = 'pbx/calls/calls_20261120.csv'",
    )
    assert manifest == [(2,)]


def test_second_delivery_same_day_is_ordered_after_first(landing: Path) -> None:
    files = discover_files(landing, T["pbx__calls"])
    assert [(f.rel_name, f.extract_date, f.delivery_seq) for f in files] == [
        ("pbx/calls/calls_20261120.csv", date(2026, 11, 20), 1),
        ("pbx/calls/calls_20261120_2.csv", date(2026, 11, 20), 2),
    ]
    write(landing, "pbx/calls/calls_20261120_10.csv", CALLS_1_2)
    write(landing, "pbx/calls/calls_20261119.csv", CALLS_1_2)
    assert [
        (f.extract_date.day, f.delivery_seq) for f in discover_files(landing, T["pbx__calls"])
    ] == [(19, 1), (20, 1), (20, 2), (20, 10)]


def test_as_of_limits_files_read(tmp_path: Path, landing: Path) -> None:
    assert [f.rel_name for f in discover_files(landing, T["crm__clients"], date(2026, 11, 20))] == [
        "crm/clients/clients_20261120.jsonl"
    ]
    res = run(tmp_path, landing, as_of=date(2026, 11, 20), tables=[T["crm__clients"]])
    assert res.by_table["crm__clients"].files_seen == 1
    assert q(tmp_path, "SELECT DISTINCT _extract_date FROM raw.crm__clients") == [
        (date(2026, 11, 20),)
    ]
    res = run(tmp_path, landing, tables=[T["crm__clients"]])  # later run catches up
    assert res.by_table["crm__clients"].files_loaded == 1
    assert res.by_table["crm__clients"].files_skipped == 1


# ----------------------------------------------------------------------------- quarantine
def test_each_bad_input_is_quarantined_with_file_row_column_and_reason(
    tmp_path: Path, landing: Path
) -> None:
    res = run(tmp_path, landing)
    rows = quarantine_rows(tmp_path)
    by_file: dict[str, list[tuple]] = {}
    for f, rn, col, reason in rows:
        by_file.setdefault(f, []).append((rn, col, reason))

    # unparseable JSON: whole file, nothing of it loads
    (dep,) = by_file["crm/departments/departments_20261120.jsonl"]
    assert dep[0] is None and dep[1] is None and "cannot be parsed" in dep[2]
    assert q(tmp_path, "SELECT count(*) FROM raw.crm__departments") == [(0,)]
    # bad CSV quoting: whole file; the corrected next-day file still loads
    (comp,) = by_file["erp/companies/companies_20261120.csv"]
    assert comp[0] is None and "cannot be parsed" in comp[2]
    assert q(tmp_path, "SELECT company_id, name FROM raw.erp__companies") == [(1, "Móveis Ação")]
    # missing required column: whole file
    (mem,) = by_file["studio/members/members_20261120.csv"]
    assert mem[:2] == (None, "registration_type") and "missing required" in mem[2]
    assert q(tmp_path, "SELECT count(*) FROM raw.studio__members") == [(0,)]
    # bad file name: whole file
    (bad,) = by_file["pbx/calls/calls_2026-11-21.csv"]
    assert bad[0] is None and "file name" in bad[2]
    assert q(tmp_path, "SELECT count(*) FROM raw.pbx__calls WHERE call_id = 5") == [(0,)]

    # row problems: empty key, bad date, bad decimal; the rest of the file loads
    rec = by_file["erp/receivables/receivables_20261120.csv"]
    assert [(rn, col) for rn, col, _ in rec] == [
        (3, "receivable_id"),
        (4, "issued_on"),
        (5, "amount"),
    ]
    assert "empty primary key" in rec[0][2]
    assert "31/02/2026" in rec[1][2] and "DD/MM/YYYY" in rec[1][2]
    assert "12,345" in rec[2][2]
    assert q(tmp_path, "SELECT count(*) FROM raw.erp__receivables") == [(3,)]
    # bad int and bad bool
    ses = by_file["studio/sessions/sessions_20261120.csv"]
    assert [(rn, col) for rn, col, _ in ses] == [(2, "capacity"), (3, "cancelled")]
    assert '"ten"' in ses[0][2] and "true/false" in ses[1][2]
    # crm: decimal given as text with comma, timestamp without Z
    opp = by_file["crm/opportunities/opportunities_20261120.jsonl"]
    assert [(rn, col) for rn, col, _ in opp] == [(2, "amount"), (3, "updated_at")]

    # raw_record keeps the row's values as text
    rr = q(tmp_path, "SELECT raw_record FROM raw._quarantine WHERE column_name = 'capacity'")
    assert json.loads(rr[0][0])["capacity"] == "ten"

    # manifest statuses and the result object agree
    status = dict(q(tmp_path, "SELECT file_name, status FROM raw._manifest"))
    assert status["erp/receivables/receivables_20261120.csv"] == "partially_quarantined"
    assert status["studio/members/members_20261120.csv"] == "quarantined"
    assert status["erp/customers/customers_20261120.csv"] == "loaded"
    assert res.by_table["erp__receivables"].rows_quarantined == 3
    assert res.by_table["erp__receivables"].rows_loaded == 3
    assert res.quarantined == len(rows) - 0 - (len(rec) - 3) - (len(ses) - 2) - (len(opp) - 2)
    assert not res.ok and not res.errors
    summary = "\n".join(res.summary_lines(max_problems=50))
    assert (
        "erp/receivables/receivables_20261120.csv row 4 column issued_on: cannot convert "
        in summary
    )
    # other tables unaffected
    assert res.by_table["erp__customers"].ok


def test_multiple_problems_in_one_row_give_one_quarantine_row_each(tmp_path: Path) -> None:
    land = tmp_path / "landing"
    write(
        land,
        "studio/areas/areas_20261120.csv",
        b"area_id,name,updated_at\nx1,Sala 1,20/11/2026\n2,Sala 2,2026-11-20 10:00\n",
    )
    res = run(tmp_path, land, tables=[T["studio__areas"]])
    assert res.by_table["studio__areas"].rows_quarantined == 1
    assert [(e.row_number, e.column_name) for e in res.by_table["studio__areas"].quarantine] == [
        (1, "area_id"),
        (1, "updated_at"),
    ]
    assert q(tmp_path, "SELECT area_id, name FROM raw.studio__areas") == [(2, "Sala 2")]


def test_bad_file_copied_to_quarantine_dir(tmp_path: Path, landing: Path) -> None:
    qdir = tmp_path / "q"
    res = run(tmp_path, landing, quarantine_dir=qdir)
    base = qdir / res.load_id
    assert (base / "erp/companies/companies_20261120.csv").read_bytes() == COMPANIES_BAD_QUOTING
    assert (base / "pbx/calls/calls_2026-11-21.csv").read_bytes() == CALLS_BAD_NAME
    assert (base / "erp/receivables/receivables_20261120.csv").read_bytes() == RECEIVABLES
    assert not (base / "erp/customers").exists()  # clean files are not copied


def test_undecodable_utf8_file_is_quarantined(tmp_path: Path) -> None:
    land = tmp_path / "landing"
    write(
        land,
        "studio/areas/areas_20261120.csv",
        "area_id,name,updated_at\n1,Sala Ação,2026-11-20 10:00\n".encode("latin-1"),
    )
    res = run(tmp_path, land, tables=[T["studio__areas"]])
    (entry,) = res.by_table["studio__areas"].quarantine
    assert entry.row_number is None and "cannot be parsed" in entry.reason
    assert res.by_table["studio__areas"].validations[0].success is False


def test_failing_file_keeps_earlier_files_and_other_tables(
    tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash mid-file rolls back that file only; earlier files and other tables stay."""
    real_copy = bookkeeping.copy_to_quarantine

    def broken_copy(path: Path, rel: str, qdir: Path, load_id: str) -> None:
        if "receivables" in rel:
            raise OSError("disk full")
        real_copy(path, rel, qdir, load_id)

    write(
        landing,
        "erp/receivables/receivables_20261119.csv",
        RECEIVABLES.split(b"\n", 3)[0] + b"\n" + RECEIVABLES.split(b"\n")[1] + b"\n",
    )
    monkeypatch.setattr(bookkeeping, "copy_to_quarantine", broken_copy)
    res = run(tmp_path, landing)
    rec = res.by_table["erp__receivables"]
    assert rec.error is not None and "disk full" in rec.error
    assert rec.files_loaded == 1 and rec.rows_loaded == 1
    assert q(tmp_path, "SELECT _file_name, count(*) FROM raw.erp__receivables GROUP BY 1") == [
        ("erp/receivables/receivables_20261119.csv", 1)
    ]
    assert q(tmp_path, "SELECT count(*) FROM raw._quarantine WHERE table_name = 'receivables'") == [
        (0,)
    ]
    assert q(tmp_path, "SELECT count(*) FROM raw._manifest WHERE table_name = 'receivables'") == [
        (1,)
    ]
    assert res.by_table["erp__customers"].rows_loaded == 2  # later table still ran
    assert "ERROR erp__receivables" in "\n".join(res.summary_lines())
    monkeypatch.setattr(bookkeeping, "copy_to_quarantine", real_copy)
    res2 = run(tmp_path, landing)  # next run retries the rolled-back file
    assert res2.by_table["erp__receivables"].rows_loaded == 3
    assert res2.by_table["erp__receivables"].files_skipped == 1


def test_unexpected_exception_in_one_table_does_not_stop_others(
    tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real, real_batch = per_file.stage_file, staging.stage_files

    def explode(con: duckdb.DuckDBPyConnection, path: Path, table):  # type: ignore[no-untyped-def]
        if table.fqn == "crm__clients":
            raise RuntimeError("boom")
        return real(con, path, table)

    def explode_batch(con, stage, paths, table, names):  # type: ignore[no-untyped-def]
        if table.fqn == "crm__clients":
            raise RuntimeError("boom")
        return real_batch(con, stage, paths, table, names)

    # the batch read fails, and so does the file-by-file fallback
    monkeypatch.setattr(per_file, "stage_file", explode)
    monkeypatch.setattr(staging, "stage_files", explode_batch)
    res = run(tmp_path, landing)
    assert set(res.errors) == {"crm__clients"} and "boom" in res.errors["crm__clients"]
    assert res.by_table["pbx__calls"].rows_loaded == 4
    assert not res.ok


def test_empty_jsonl_delta_loads_nothing_and_is_recorded(tmp_path: Path) -> None:
    land = tmp_path / "landing"
    write(land, "crm/campaigns/campaigns_20261120.jsonl", b"")
    write(
        land,
        "erp/products/products_20261120.csv",
        b"product_id;product_code;name;category;updated_at\n",
    )
    res = run(tmp_path, land, tables=[T["crm__campaigns"], T["erp__products"]])
    assert res.ok, res.summary_lines()
    assert all(v.success for t in res.tables for v in t.validations)
    assert q(tmp_path, "SELECT file_name, rows_in_file, status FROM raw._manifest ORDER BY 1") == [
        ("crm/campaigns/campaigns_20261120.jsonl", 0, "loaded"),
        ("erp/products/products_20261120.csv", 0, "loaded"),
    ]


def test_ingest_table_on_existing_connection(tmp_path: Path, landing: Path) -> None:
    con = duckdb.connect()
    ensure_raw_schema(con)
    res = ingest_table(
        con, landing, T["pbx__calls"], quarantine_dir=tmp_path / "q", load_id="L1", validate=False
    )
    assert (res.files_seen, res.files_loaded, res.files_quarantined, res.rows_loaded) == (
        3,
        3,
        1,
        4,
    )
    assert res.validations[0].success is False  # the badly named file
    assert con.execute("SELECT count(*) FROM raw.pbx__calls WHERE _load_id = 'L1'").fetchall() == [
        (4,)
    ]


# ----------------------------------------------------------------------------- validation
def test_validation_passes_on_good_file_and_fails_on_bad(tmp_path: Path, landing: Path) -> None:
    res = run(tmp_path, landing)
    cust = res.by_table["erp__customers"].validations
    assert len(cust) == 1 and cust[0].success, cust[0].to_metadata()
    rec = res.by_table["erp__receivables"].validations[0]
    assert not rec.success
    failed = {(e["expectation"], e["column"]) for e in rec.expectations if not e["success"]}
    assert ("expect_column_values_to_not_be_null", "receivable_id") in failed
    assert ("expect_column_values_to_match_regex", "issued_on") in failed
    assert ("expect_column_values_to_match_regex", "amount") in failed
    meta = rec.to_metadata()
    json.dumps(meta)  # serialisable for Dagster
    assert meta["success"] is False and meta["expectations_failed"] == len(failed)
    mem = res.by_table["studio__members"].validations[0]
    (colset,) = [
        e for e in mem.expectations if e["expectation"] == "expect_table_columns_to_match_set"
    ]
    assert not colset["success"] and colset["partial_unexpected_list"] == ["registration_type"]
    # every file that quarantined something failed validation
    for t in res.tables:
        files_with_problems = {e.file_name for e in t.quarantine}
        for v in t.validations:
            if v.file_name in files_with_problems:
                assert not v.success, v.file_name


def test_validate_extract_enum_uniqueness_and_missing_nullable() -> None:
    table = T["erp__payments"]
    good = pd.DataFrame(
        {
            "payment_id": ["1", "2"],
            "receivable_id": ["1", "1"],
            "paid_on": ["29/02/2024", "31/12/2026"],
            "amount": ["1.234,56", "0,5"],
            "method": ["pix", "boleto"],
            "updated_at": ["01/01/2026 00:00:00"] * 2,
        }
    )
    assert validate_extract(good, table, "p.csv").success
    bad = good.assign(payment_id=["1", "1"], method=["pix", "cheque"])
    v = validate_extract(bad, table, "p.csv")
    failed = {(e["expectation"], e["column"]): e for e in v.expectations if not e["success"]}
    assert set(failed) == {
        ("expect_column_values_to_be_unique", "payment_id"),
        ("expect_column_values_to_be_in_set", "method"),
    }
    assert failed[("expect_column_values_to_be_in_set", "method")]["unexpected_count"] == 1
    assert failed[("expect_column_values_to_be_in_set", "method")]["partial_unexpected_list"] == [
        "cheque"
    ]


# ----------------------------------------------------------------------------- formats
@pytest.mark.parametrize(
    ("system", "ctype", "good", "bad"),
    [
        (
            "erp",
            "dec",
            ["0", "1,5", "-0,05", "1.234,56", "1.000.000", "9999999999999999,99"],
            ["1,234", "12,345", "1.23", "1,", ",5", "1 000,00", "1.234.56", "", " 1", "1,2\n"],
        ),
        ("crm", "dec", ["0", "1234.56", "1000.0", "-3.1"], ["1,5", "1e3", "1.234", "NaN"]),
        (
            "erp",
            "date",
            ["29/02/2024", "31/01/2026", "30/04/2026", "29/02/2000"],
            ["29/02/2026", "31/04/2026", "29/02/1900", "1/2/2026", "2026-01-01", "00/01/2026"],
        ),
        (
            "pbx",
            "ts",
            ["2026-11-20 23:59:59", "2024-02-29 00:00:00"],
            ["2026-11-20 24:00:00", "2026-11-20 10:00", "2026-11-20T10:00:00"],
        ),
        ("studio", "ts", ["2026-11-20 07:00"], ["2026-11-20 07:00:00", "2026-11-20 7:00"]),
        ("erp", "ts", ["31/12/2026 23:59:59"], ["31/12/2026 23:59", "2026-12-31 23:59:59"]),
        (
            "crm",
            "ts",
            ["2026-11-20T13:05:00Z", "2026-11-20T13:05:00.123456Z"],
            ["2026-11-20T13:05:00", "2026-11-20 13:05:00Z", "2026-11-20T13:05:00+00:00"],
        ),
        ("erp", "bool", ["S", "N"], ["s", "true", "Sim"]),
        ("studio", "bool", ["true", "false"], ["True", "1", "S"]),
        (
            "erp",
            "int",
            ["0", "-12", "999999999999999999"],
            ["1.0", "1,0", "1e3", "9999999999999999999"],
        ),
    ],
)
def test_sql_conversion_and_gx_regex_agree(
    system: str, ctype: str, good: list[str], bad: list[str]
) -> None:
    fmt = SYSTEMS[system]
    col = Column("v", ctype)  # type: ignore[arg-type]
    rx = re.compile(python_regex(value_pattern(fmt, col) or ""))
    con = duckdb.connect()
    expr = sql_convert(fmt, col, "v")
    for value in good + bad:
        (converted,) = con.execute(
            f"SELECT {expr} FROM (SELECT ?::VARCHAR AS v)", [value]
        ).fetchall()
        sql_ok = converted[0] is not None
        gx_ok = rx.search(value) is not None
        assert sql_ok == gx_ok == (value in good), (value, sql_ok, gx_ok)


def _payments_csv(
    n: int, *, bad_row: int | None = None, dup_of: tuple[int, int] | None = None
) -> bytes:
    lines = ["payment_id;receivable_id;paid_on;amount;method;updated_at;deleted_at"]
    for i in range(1, n + 1):
        pid = dup_of[1] if dup_of and i == dup_of[0] else i
        amount = "doze" if i == bad_row else "1.234,56"
        lines.append(f"{pid};1;20/11/2026;{amount};pix;20/11/2026 10:00:00;")
    return ("\n".join(lines) + "\n").encode("latin-1")


@pytest.mark.parametrize(
    ("content", "fails"),
    [
        (_payments_csv(200), False),
        (_payments_csv(200, bad_row=157), True),  # a row the even sample would skip
        (_payments_csv(200, dup_of=(133, 71)), True),  # a key repeated off the sample
    ],
)
def test_large_files_are_validated_on_a_failure_preserving_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, fails: bool
) -> None:
    monkeypatch.setattr(staging, "VALIDATION_FULL_ROWS", 20)
    landing = tmp_path / "landing"
    folder = landing / "erp" / "payments"
    folder.mkdir(parents=True)
    (folder / "payments_20261120.csv").write_bytes(content)
    res = ingest_all(tmp_path / "raw.duckdb", landing)
    (validation,) = res.by_table["erp__payments"].validations
    assert validation.rows_in_file == 200
    assert validation.rows_validated is not None and validation.rows_validated < 40
    assert validation.success is not fails


# ----------------------------------------------------------------------------- structure
def test_manifest_row_has_one_field_per_manifest_column() -> None:
    """The manifest is inserted by column name from ManifestRow: they must not drift."""
    from dataclasses import fields

    from carteira.ingestion import MANIFEST_COLUMNS

    assert [f.name for f in fields(bookkeeping.ManifestRow)] == [n for n, _ in MANIFEST_COLUMNS]


def test_raw_bookkeeping_tables_have_the_documented_columns(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "raw.duckdb"))
    ensure_raw_schema(con)
    cols = {
        t: con.execute(
            "SELECT column_name, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
            [t],
        ).fetchall()
        for t in ("_manifest", "_quarantine")
    }
    con.close()
    assert [c for c, _ in cols["_manifest"]] == [
        "file_name",
        "system",
        "table_name",
        "file_hash",
        "extract_date",
        "delivery_seq",
        "size_bytes",
        "rows_in_file",
        "rows_loaded",
        "rows_quarantined",
        "status",
        "load_id",
        "loaded_at",
    ]
    assert [c for c, _ in cols["_quarantine"]] == [
        "file_name",
        "file_hash",
        "system",
        "table_name",
        "row_number",
        "column_name",
        "reason",
        "raw_record",
        "load_id",
        "quarantined_at",
    ]
    assert [c for c, n in cols["_quarantine"] if n == "YES"] == [
        "row_number",
        "column_name",
        "raw_record",
    ]


def test_one_quarantine_message_format_names_what_is_known() -> None:
    from carteira.ingestion import QuarantineEntry, TableIngestResult, describe_problem
    from orchestration.run import RefreshOutcome

    assert describe_problem("a/b.csv", 4, "x", "bad") == "a/b.csv row 4 column x: bad"
    assert describe_problem("a/b.csv", 4, None, "bad") == "a/b.csv row 4: bad"
    assert describe_problem("a/b.csv", None, "x", "missing") == "a/b.csv column x: missing"
    assert describe_problem("a/b.csv", None, None, "unparseable") == "a/b.csv: unparseable"
    whole = QuarantineEntry("a/b.csv", None, None, "unparseable")
    assert whole.describe() == "a/b.csv: unparseable"
    res = IngestResult("L", [])
    res.tables.append(TableIngestResult("erp__x", files_quarantined=1, quarantine=[whole]))
    refresh = RefreshOutcome("r", True, True, Path("w.duckdb"), [("a/b.csv", None, None, "u")])
    ingest_text = "\n".join(res.summary_lines())
    refresh_text = "\n".join(refresh.summary_lines())
    assert "quarantined a/b.csv: unparseable" in ingest_text and "None" not in ingest_text
    assert "  a/b.csv: u" in refresh_text and "None" not in refresh_text


def test_benchmarks_use_only_public_ingestion_names() -> None:
    """benchmarks/ import nothing private from the ingestion package."""
    import ast

    import carteira.ingestion as ingestion

    bench = Path(__file__).resolve().parents[1] / "benchmarks"
    for path in bench.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "carteira.ingestion"
            ):
                assert node.module == "carteira.ingestion", f"{path.name}: {node.module}"
                for alias in node.names:
                    assert alias.name in ingestion.__all__, f"{path.name}: {alias.name}"


def test_file_hashes_computed_ahead_equal_the_file_digest(tmp_path: Path) -> None:
    """Prefetched digests (``FileHashes``) are each file's own sha256, submitted or not."""
    from carteira.ingestion import FileHashes, sha256_file

    paths = []
    for i in range(5):
        path = tmp_path / f"f{i}.csv"
        path.write_bytes(os.urandom(3_000_000 + i))
        paths.append(path)
    with FileHashes(paths[:4], threads=2) as hashes:
        got = [hashes.get(p) for p in reversed(paths)]
    assert got == [sha256_file(p) for p in reversed(paths)]
    assert len(set(got)) == 5


def test_files_already_loaded_are_reported_once_per_table(tmp_path: Path, landing: Path) -> None:
    """A refresh walks every delivery ever made; the ones already loaded are one progress
    line per table (a line per file would grow with the history, each a Dagster event)."""
    run(tmp_path, landing)
    calls: list[tuple[str, int]] = []
    res = run(tmp_path, landing, progress=lambda message, files: calls.append((message, files)))
    skipped = sum(t.files_skipped for t in res.tables)
    # a table with several files, so that one line per file would fail the count below
    assert any(t.files_skipped > 1 for t in res.tables)
    assert sum(files for _, files in calls) == skipped + sum(t.files_loaded for t in res.tables)
    lines = [m for m, _ in calls if "already loaded, skipped" in m]
    assert len(lines) == sum(1 for t in res.tables if t.files_skipped)
    assert not [m for m, _ in calls if ": skipped," in m]
