"""Staging layer (models/staging): current version, cleaning, local time, incremental.

Builds the staging models with dbt on hand-written raw layers (tests/helpers/rawdb.py)
and checks the conventions of docs/architecture.md that the intermediate models and
marts rely on. The incremental models are checked against a full refresh of the same
raw data, including out-of-order versions and soft deletes arriving later.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from carteira.contract import TABLES, Table
from tests.helpers.rawdb import create_raw_db, insert_rows, run_dbt

REPO = Path(__file__).resolve().parents[1]
STAGING_DIR = REPO / "models" / "staging"
METADATA_COLUMNS = [
    "is_deleted",
    "_extract_date",
    "_delivery_seq",
    "_row_number",
    "_file_name",
    "_loaded_at",
]
INCREMENTAL_TABLES = [t for t in TABLES if t.large]
# Only staging and its own generic tests: "cautious" keeps out tests that also read
# other layers (not built here), and singular tests belong to the layers above, whose
# reconciliations do not hold on these hand-made fragments.
SELECT_STAGING = [
    "--select",
    "staging",
    "--indirect-selection",
    "cautious",
    "--exclude",
    "test_type:singular",
]

D1 = dt.date(2026, 1, 1)
D2 = dt.date(2026, 1, 2)
D3 = dt.date(2026, 1, 3)


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def rows_by_key(db: Path, model: str, key: str) -> dict[Any, dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute(f"select * from staging.{model}")
        names = [d[0] for d in cur.description]
        return {r[names.index(key)]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


# --------------------------------------------------------------------------- contract sync


def _load_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def test_sources_yml_declares_every_contract_table_and_column() -> None:
    doc = _load_yaml(STAGING_DIR / "_sources.yml")
    sources = {s["name"]: s for s in doc["sources"]}
    assert set(sources) == {"crm", "pbx", "studio", "erp"}
    for source in sources.values():
        assert source["schema"] == "raw"
        assert "raw_database" in source["database"]
        freshness = source["config"]["freshness"]
        assert freshness["warn_after"] == {"count": 26, "period": "hour"}
        assert freshness["error_after"] == {"count": 48, "period": "hour"}
        assert "_extract_date" in source["config"]["loaded_at_field"]
    for table in TABLES:
        declared = {t["name"]: t for t in sources[table.system]["tables"]}
        entry = declared[table.name]
        assert entry["identifier"] == table.fqn
        assert entry["description"]
        names = [c["name"] for c in entry["columns"]]
        assert names[: len(table.columns)] == table.column_names
        assert all(c["description"] for c in entry["columns"])
    assert sum(len(s["tables"]) for s in sources.values()) == len(TABLES)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.fqn)
def test_staging_model_and_yml_follow_the_contract(table: Table) -> None:
    folder = STAGING_DIR / table.system
    sql = (folder / f"stg_{table.fqn}.sql").read_text()
    assert f"source('{table.system}', '{table.name}')" in sql
    assert ("materialized='incremental'" in sql) == table.large
    models = {m["name"]: m for m in _load_yaml(folder / f"_{table.system}__models.yml")["models"]}
    model = models[f"stg_{table.fqn}"]
    columns = {c["name"]: c for c in model["columns"]}
    assert list(columns) == table.column_names + METADATA_COLUMNS
    # the key: a not-null constraint and a unique test, both errors (the build stops)
    assert model["config"]["contract"] == {"enforced": True}
    assert all(c["data_type"] for c in columns.values())
    pk = columns[table.primary_key]
    assert pk["constraints"] == [{"type": "not_null"}]
    assert pk["data_tests"] == ["unique"]
    # source values: every required column and enum in one warn-severity column_rules test
    (rules,) = [t["column_rules"] for t in model.get("data_tests", [])] or [None]
    rules = rules or {"arguments": {}, "config": {"severity": "warn"}}
    assert rules["config"] == {"severity": "warn"}
    not_null = rules["arguments"].get("not_null", [])
    accepted = rules["arguments"].get("accepted_values", {})
    for col in table.columns:
        if col.name != table.primary_key:
            assert (col.name in not_null) == (not col.nullable), col.name
            assert accepted.get(col.name) == (list(col.enum) if col.enum else None), col.name
            assert "data_tests" not in columns[col.name], col.name


# --------------------------------------------------------------------------- full build


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Raw layer with versioning, cleaning and time-zone cases; staging built on it."""
    work = tmp_path_factory.mktemp("staging")
    raw = create_raw_db(work / "raw.duckdb")

    def client(cid: str, name: str, updated: str, **extra: Any) -> dict[str, Any]:
        return {
            "client_id": cid,
            "full_name": name,
            "phones": ["(11) 98765-4321"],
            "created_at": ts("2025-12-01 12:00:00"),
            "updated_at": ts(updated),
            **extra,
        }

    # crm.clients, file of D1 (rows 1..4)
    insert_rows(
        raw,
        "crm__clients",
        [
            client("c_1", "v1", "2026-01-01 10:00:00"),
            client("c_3", "tie-row-1", "2026-01-01 09:00:00"),
            client("c_3", "tie-row-2", "2026-01-01 09:00:00"),
            client("c_4", "tie-d1", "2026-01-01 08:00:00"),
        ],
        extract_date=D1,
    )
    # crm.clients, file of D2, delivery 1
    insert_rows(
        raw,
        "crm__clients",
        [
            client("c_1", "v2", "2026-01-02 10:00:00", source=" website"),
            client("c_2", "tie-seq-1", "2026-01-02 07:00:00"),
            client("c_4", "tie-d2", "2026-01-01 08:00:00"),
            client(
                "c_5",
                "  Ana  Souza ",
                "2026-01-02 02:30:00",
                email="  Ana.Souza@Example.COM ",
                city="",
                source="   ",
                client_group=" vip ",
                document_number=" 123.456.789-09 ",
                created_at=ts("2026-01-02 02:30:00"),
            ),
            client("c_6", "gone", "2026-01-02 11:00:00", deleted_at=ts("2026-01-02 11:00:00")),
        ],
        extract_date=D2,
    )
    # crm.clients, file of D2, delivery 2: tie on updated_at with delivery 1
    insert_rows(
        raw,
        "crm__clients",
        [
            client("c_2", "tie-seq-2", "2026-01-02 07:00:00"),
        ],
        extract_date=D2,
        delivery_seq=2,
    )
    # crm.clients, file of D3: an OLDER version of c_1 delivered late must not win
    insert_rows(
        raw,
        "crm__clients",
        [
            client("c_1", "late-old", "2026-01-01 23:00:00"),
        ],
        extract_date=D3,
    )

    insert_rows(
        raw,
        "crm__staff",
        [
            {
                "staff_id": "s_1",
                "full_name": "Bia",
                "email": " Bia@Loja.COM.br",
                "department_id": "d_1",
                "extension": " 201 ",
                "can_view_all": True,
                "active": True,
                "updated_at": ts("2026-01-01 01:00:00"),
            },
        ],
        extract_date=D1,
    )

    # A value outside the contract's enum: reported as a warning, never blocks the build.
    insert_rows(
        raw,
        "crm__tasks",
        [
            {
                "task_id": "t_1",
                "client_id": "c_1",
                "task_type": "meeting",
                "status": "open",
                "due_at": ts("2026-01-03 12:00:00"),
                "created_at": ts("2026-01-01 12:00:00"),
                "updated_at": ts("2026-01-01 12:00:00"),
            },
        ],
        extract_date=D1,
    )

    insert_rows(
        raw,
        "erp__payments",
        [
            {
                "payment_id": 1,
                "receivable_id": 10,
                "paid_on": dt.date(2026, 1, 1),
                "amount": Decimal("1234.56"),
                "method": "pix",
                "updated_at": ts("2026-01-02 02:30:00"),
            },
            {
                "payment_id": 2,
                "receivable_id": 10,
                "paid_on": dt.date(2026, 1, 1),
                "amount": Decimal("10.00"),
                "method": "cash",
                "updated_at": ts("2026-01-02 03:00:00"),
                "deleted_at": ts("2026-01-02 03:00:00"),
            },
        ],
        extract_date=D2,
    )
    insert_rows(
        raw,
        "erp__customers",
        [
            {
                "customer_code": " C004512 ",
                "full_name": "José  ",
                "email": "JOSE@MAIL.COM ",
                "phone": "",
                "updated_at": ts("2026-01-02 02:30:00"),
            },
        ],
        extract_date=D2,
    )

    insert_rows(
        raw,
        "studio__members",
        [
            {
                "member_id": 7,
                "full_name": "Lia",
                "registration_type": "trial",
                "updated_at": ts("2026-01-02 02:30:00"),
                "deleted_at": ts("2026-01-02 02:30:00"),
            },
        ],
        extract_date=D2,
    )

    def call(talk: int) -> dict[str, Any]:
        return {
            "call_id": 100,
            "started_at": ts("2026-01-01 09:15:00"),
            "extension": "201",
            "direction": "outbound",
            "from_number": "201",
            "to_number": "11987654321",
            "disposition": "ANSWERED",
            "talk_seconds": talk,
        }

    insert_rows(raw, "pbx__calls", [call(42)], extract_date=D1)
    insert_rows(raw, "pbx__calls", [call(99)], extract_date=D2)

    run_dbt(["build", *SELECT_STAGING], work / "warehouse.duckdb", raw)
    yield work / "warehouse.duckdb"


def test_greatest_updated_at_wins_even_when_an_older_version_arrives_later(staged: Path) -> None:
    clients = rows_by_key(staged, "stg_crm__clients", "client_id")
    assert clients["c_1"]["full_name"] == "v2"
    # `source` is a column here, not the CTE of the same name as a whole-row value
    assert clients["c_1"]["source"] == "website"
    assert clients["c_1"]["_extract_date"] == D2


def test_updated_at_ties_go_to_later_file_then_later_row(staged: Path) -> None:
    clients = rows_by_key(staged, "stg_crm__clients", "client_id")
    assert clients["c_4"]["full_name"] == "tie-d2"  # later extract date
    assert clients["c_2"]["full_name"] == "tie-seq-2"  # later delivery of the same day
    assert clients["c_2"]["_delivery_seq"] == 2
    assert clients["c_2"]["_file_name"] == "crm/clients/clients_20260102_2.jsonl"
    assert clients["c_3"]["full_name"] == "tie-row-2"  # later row of the same file
    assert clients["c_3"]["_row_number"] == 3


def test_contract_violations_in_source_values_warn(staged: Path) -> None:
    results = json.loads((staged.parent / "dbt_target" / "run_results.json").read_text())
    status = {r["unique_id"].split(".")[2]: r["status"] for r in results["results"]}
    assert status["column_rules_stg_crm__tasks"] == "warn"
    assert status["unique_stg_crm__clients_client_id"] == "pass"
    assert rows_by_key(staged, "stg_crm__tasks", "task_id")["t_1"]["task_type"] == "meeting"
    # the failing rows name the column, the rule and a value that is not accepted
    assert ("task_type", "accepted_values", 1, "meeting") in query(
        staged, "select * from audit.column_rules_stg_crm__tasks"
    )


def test_a_source_row_without_a_key_stops_the_build(tmp_path: Path) -> None:
    """The key is not null by constraint: a key that cleans to null fails the model, naming it."""
    raw = create_raw_db(tmp_path / "raw.duckdb")
    insert_rows(
        raw,
        "crm__departments",
        [{"department_id": "d_1", "name": "A", "updated_at": ts("2026-01-01 10:00:00")},
         {"department_id": "  ", "name": "B", "updated_at": ts("2026-01-01 10:00:00")}],
        extract_date=D1,
    )  # fmt: skip
    with pytest.raises(RuntimeError) as failed:
        run_dbt(["run", "--select", "stg_crm__departments"], tmp_path / "w.duckdb", raw)
    assert "NOT NULL constraint failed: stg_crm__departments__dbt_tmp.department_id" in str(
        failed.value
    )


def test_one_row_per_primary_key(staged: Path) -> None:
    assert query(
        staged, "select count(*), count(distinct client_id) from staging.stg_crm__clients"
    ) == [(6, 6)]


def test_soft_deletes_are_flagged_and_kept(staged: Path) -> None:
    clients = rows_by_key(staged, "stg_crm__clients", "client_id")
    assert clients["c_6"]["is_deleted"] is True
    assert clients["c_1"]["is_deleted"] is False
    payments = rows_by_key(staged, "stg_erp__payments", "payment_id")
    assert (payments[1]["is_deleted"], payments[2]["is_deleted"]) == (False, True)
    assert rows_by_key(staged, "stg_studio__members", "member_id")[7]["is_deleted"] is True
    # tables without deleted_at never delete
    assert query(staged, "select distinct is_deleted from staging.stg_pbx__calls") == [(False,)]


def test_crm_utc_timestamps_become_sao_paulo_local_time(staged: Path) -> None:
    c5 = rows_by_key(staged, "stg_crm__clients", "client_id")["c_5"]
    assert c5["updated_at"] == ts("2026-01-01 23:30:00")  # 02:30 UTC = 23:30 the day before
    assert c5["created_at"] == ts("2026-01-01 23:30:00")
    c6 = rows_by_key(staged, "stg_crm__clients", "client_id")["c_6"]
    assert c6["deleted_at"] == ts("2026-01-02 08:00:00")
    staff = rows_by_key(staged, "stg_crm__staff", "staff_id")["s_1"]
    assert staff["updated_at"] == ts("2025-12-31 22:00:00")
    types = dict(
        query(
            staged,
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'stg_crm__clients'",
        )
    )
    assert types["updated_at"] == "TIMESTAMP"


def test_local_sources_keep_their_wall_time(staged: Path) -> None:
    assert rows_by_key(staged, "stg_erp__payments", "payment_id")[1]["updated_at"] == ts(
        "2026-01-02 02:30:00"
    )
    assert rows_by_key(staged, "stg_studio__members", "member_id")[7]["deleted_at"] == ts(
        "2026-01-02 02:30:00"
    )
    assert rows_by_key(staged, "stg_pbx__calls", "call_id")[100]["started_at"] == ts(
        "2026-01-01 09:15:00"
    )


def test_strings_trimmed_empty_to_null_emails_lower_case(staged: Path) -> None:
    c5 = rows_by_key(staged, "stg_crm__clients", "client_id")["c_5"]
    assert c5["full_name"] == "Ana  Souza"  # inner spacing is data, only the ends are trimmed
    assert c5["email"] == "ana.souza@example.com"
    assert c5["city"] is None and c5["source"] is None
    assert c5["client_group"] == "vip"
    assert c5["document_number"] == "123.456.789-09"
    assert c5["phones"] == ["(11) 98765-4321"]  # phones stay raw strings in staging
    staff = rows_by_key(staged, "stg_crm__staff", "staff_id")["s_1"]
    assert (staff["email"], staff["extension"]) == ("bia@loja.com.br", "201")
    customer = rows_by_key(staged, "stg_erp__customers", "customer_code")["C004512"]
    assert (customer["full_name"], customer["email"], customer["phone"]) == (
        "José",
        "jose@mail.com",
        None,
    )


def test_money_stays_decimal(staged: Path) -> None:
    payment = rows_by_key(staged, "stg_erp__payments", "payment_id")[1]
    assert payment["amount"] == Decimal("1234.56")
    types = dict(
        query(
            staged,
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'stg_erp__payments'",
        )
    )
    assert types["amount"] == "DECIMAL(18,2)"
    assert types["payment_id"] == "BIGINT"


def test_redelivered_call_appears_once_first_delivery_wins(staged: Path) -> None:
    calls = rows_by_key(staged, "stg_pbx__calls", "call_id")
    assert list(calls) == [100]
    assert calls[100]["talk_seconds"] == 42
    assert calls[100]["_extract_date"] == D1


# --------------------------------------------------------------------------- incremental


def _value(table: Table, column: str, key: int, variant: str) -> Any:
    """A contract-typed value for one column of a generated row."""
    col = table.column(column)
    if column == table.primary_key:
        return f"k_{key}" if col.type == "str" else key
    if col.enum:
        return col.enum[key % len(col.enum)]
    return {
        "str": f"{column}-{variant}",
        "int": key * 10 + len(variant),
        "dec": Decimal(f"{key}.{len(variant):02d}"),
        "date": dt.date(2026, 1, key),
        "ts": ts(f"2026-01-0{key} 12:00:00"),
        "bool": False,
        "str[]": [f"{variant}"],
    }[col.type]


def _row(
    table: Table, key: int, variant: str, updated_at: str | None = None, **overrides: Any
) -> dict[str, Any]:
    row = {
        c.name: _value(table, c.name, key, variant) for c in table.columns if c.name != "deleted_at"
    }
    if table.has_updated_at:
        row["updated_at"] = ts(updated_at or "2026-01-01 10:00:00")
    return {**row, **overrides}


LABELS = (
    "b1-1",
    "b1-2",
    "b1-3",
    "b1-4",
    "newer",
    "late-old",
    "tie-later-file",
    "new-key",
    "deleted",
    "redelivered",
)


def _marker(table: Table) -> str:
    """A required non-key column whose value tells the versions apart.

    The first free-text column, or the first non-key integer column for tables
    without one (bookings).
    """
    candidates = [
        c for c in table.columns if c.name != table.primary_key and not c.enum and not c.nullable
    ]
    for wanted in ("str", "int"):
        for col in candidates:
            if col.type == wanted:
                return col.name
    raise AssertionError(f"no marker column in {table.fqn}")


def _mark(table: Table, label: str) -> Any:
    """The marker column's value for a version label, typed for the column."""
    if table.column(_marker(table)).type == "str":
        return label
    return 1000 + LABELS.index(label)


def _load_batches(raw: Path, batch: int) -> None:
    for table in INCREMENTAL_TABLES:
        mark = _marker(table)
        if batch == 1:
            rows = [_row(table, k, "b1", **{mark: _mark(table, f"b1-{k}")}) for k in (1, 2, 3, 4)]
            insert_rows(raw, table.fqn, rows, extract_date=D1)
            continue
        if table.has_updated_at:
            rows = [
                _row(table, 1, "b2", "2026-01-02 10:00:00", **{mark: _mark(table, "newer")}),
                # older version delivered late: must not replace b1-2
                _row(table, 2, "b2", "2025-12-31 10:00:00", **{mark: _mark(table, "late-old")}),
                # same updated_at as batch 1: the later file wins
                _row(
                    table, 3, "b2", "2026-01-01 10:00:00", **{mark: _mark(table, "tie-later-file")}
                ),
                _row(table, 5, "b2", "2026-01-02 10:00:00", **{mark: _mark(table, "new-key")}),
            ]
            if table.has_deleted_at:
                rows.append(
                    _row(
                        table,
                        4,
                        "b2",
                        "2026-01-02 11:00:00",
                        **{mark: _mark(table, "deleted"), "deleted_at": ts("2026-01-02 11:00:00")},
                    )
                )
        else:  # calls: a re-delivery never replaces the first delivery
            rows = [
                _row(table, 1, "b2", **{mark: _mark(table, "redelivered")}),
                _row(table, 5, "b2", **{mark: _mark(table, "new-key")}),
            ]
        insert_rows(raw, table.fqn, rows, extract_date=D2)


def _snapshot(db: Path, table: Table) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            f"select * from staging.stg_{table.fqn} order by {table.primary_key}"
        ).fetchall()


@pytest.fixture(scope="module")
def incremental_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(incremental warehouse after two batches, full-refresh warehouse, its work dir)."""
    inc_dir = tmp_path_factory.mktemp("incremental")
    raw = create_raw_db(inc_dir / "raw.duckdb")
    inc_db = inc_dir / "warehouse.duckdb"
    # Same folder (so the same dbt target dir and partial parse) but another database file.
    full_db = inc_dir / "full_refresh.duckdb"
    select = ["--select", "staging,config.materialized:incremental"]
    # Lookback 0 so the second run reads ONLY batch 2: the stored current version must
    # then defend itself against the late older version. Same vars everywhere: a change
    # of vars forces dbt to re-parse the whole project.
    no_lookback = {"staging_lookback_hours": 0}

    _load_batches(raw, 1)
    run_dbt(["run", *select], inc_db, raw, vars=no_lookback)
    _load_batches(raw, 2)
    run_dbt(["run", *select], inc_db, raw, vars=no_lookback)
    shutil.copy(inc_dir / "dbt_target" / "run_results.json", inc_dir / "incremental_run.json")
    run_dbt(["run", *select, "--full-refresh"], full_db, raw, vars=no_lookback)
    return inc_db, full_db, inc_dir


def test_second_run_was_incremental(incremental_pair: tuple[Path, Path, Path]) -> None:
    _, _, inc_dir = incremental_pair
    results = json.loads((inc_dir / "incremental_run.json").read_text())
    compiled = {
        r["unique_id"].rsplit(".", 1)[-1]: r.get("compiled_code") or ""
        for r in results["results"]
        if r["unique_id"].startswith("model.")
    }
    assert set(compiled) == {f"stg_{t.fqn}" for t in INCREMENTAL_TABLES}
    for name, code in compiled.items():
        # new rows only, from a literal bound computed before the query ...
        assert "_loaded_at > (cast('" in code
        # ... competing with the stored versions of the touched keys (the target itself)
        assert "union all" in code and name in code.split("union all", 1)[1]


@pytest.mark.parametrize("table", INCREMENTAL_TABLES, ids=lambda t: t.fqn)
def test_incremental_equals_full_refresh(
    incremental_pair: tuple[Path, Path, Path], table: Table
) -> None:
    inc_db, full_db, _ = incremental_pair
    incremental = _snapshot(inc_db, table)
    assert incremental == _snapshot(full_db, table)
    assert len(incremental) == 5


@pytest.mark.parametrize("table", INCREMENTAL_TABLES, ids=lambda t: t.fqn)
def test_incremental_keeps_the_right_versions(
    incremental_pair: tuple[Path, Path, Path], table: Table
) -> None:
    inc_db, _, _ = incremental_pair
    mark = _marker(table)
    pk = _value(table, table.primary_key, 1, "")  # int or "k_1" style keys
    rows = rows_by_key(inc_db, f"stg_{table.fqn}", table.primary_key)

    def key(k: int) -> Any:
        return f"k_{k}" if isinstance(pk, str) else k

    if table.has_updated_at:
        assert rows[key(1)][mark] == _mark(table, "newer")
        assert rows[key(2)][mark] == _mark(table, "b1-2")
        assert rows[key(3)][mark] == _mark(table, "tie-later-file")
        assert rows[key(5)][mark] == _mark(table, "new-key")
        expected_4 = "deleted" if table.has_deleted_at else "b1-4"
        assert rows[key(4)][mark] == _mark(table, expected_4)
        assert rows[key(4)]["is_deleted"] is table.has_deleted_at
    else:
        assert rows[key(1)][mark] == _mark(table, "b1-1")
        assert rows[key(1)]["_extract_date"] == D1
        assert rows[key(5)][mark] == _mark(table, "new-key")


# --------------------------------------------------------------------------- freshness


def test_source_freshness_follows_the_extract_date(tmp_path: Path) -> None:
    """Today's extract passes; an extract three days old (or none at all) is an error."""
    raw = create_raw_db(tmp_path / "raw.duckdb")
    today = dt.datetime.now(dt.UTC).date()
    insert_rows(
        raw,
        "erp__companies",
        [{"company_id": 1, "name": "Loja", "updated_at": ts("2026-01-01 10:00:00")}],
        extract_date=today,
    )
    # Loaded just now, but the extract itself is old: freshness must look at the extract.
    insert_rows(
        raw,
        "erp__products",
        [
            {
                "product_id": 1,
                "product_code": "P1",
                "name": "Mesa",
                "category": "moveis",
                "updated_at": ts("2026-01-01 10:00:00"),
            }
        ],
        extract_date=today - dt.timedelta(days=3),
        loaded_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
    )
    with pytest.raises(RuntimeError, match="freshness"):
        run_dbt(
            [
                "source",
                "freshness",
                "--select",
                "source:erp.companies",
                "source:erp.products",
                "source:erp.quotes",
            ],
            tmp_path / "warehouse.duckdb",
            raw,
        )
    sources = json.loads((tmp_path / "dbt_target" / "sources.json").read_text())
    status = {r["unique_id"].rsplit(".", 1)[-1]: r["status"] for r in sources["results"]}
    assert status == {"companies": "pass", "products": "error", "quotes": "error"}
