"""Batch ingestion (issue 14): a table's new files in one read, one validation, one commit.

What a batch writes must be what loading the files one by one writes: the same raw rows
with the same lineage, one manifest row and the same quarantine rows per file, and the
same validation per file. A file the batch cannot read sends the table down the
file-by-file path, so only that file is quarantined.
"""

from __future__ import annotations

import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from carteira.contract import TABLES, TABLES_BY_FQN  # noqa: E402
from carteira.generator import generate  # noqa: E402
from carteira.ingestion import IngestResult, ingest_all, loader  # noqa: E402

START = date(2026, 11, 16)
DAYS = 5
T = TABLES_BY_FQN

# what differs between two loads of the same files: when and by which run
RUN_COLUMNS = {"_loaded_at", "_load_id", "load_id", "loaded_at", "quarantined_at"}


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five tiny days, plus rows that quarantine, in a second delivery of one day."""
    root = tmp_path_factory.mktemp("batch") / "landing"
    generate(root, START, DAYS, "tiny", 11)
    day2 = START + timedelta(days=1)
    (root / "erp" / "payments" / f"payments_{day2:%Y%m%d}_2.csv").write_bytes(
        "payment_id;receivable_id;paid_on;amount;method;updated_at;deleted_at\n"
        "990001;1;20/11/2026;1.234,56;pix;20/11/2026 10:00:00;\n"
        "990002;1;20/11/2026;doze reais;cheque;31/02/2026 10:00:00;\n"
        ";1;20/11/2026;1,00;pix;20/11/2026 10:00:00;\n"
        "990001;1;21/11/2026;2,00;pix;21/11/2026 10:00:00;\n".encode("latin-1")
    )
    return root


def _no_per_file_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the batch fell back to the per-file path")

    monkeypatch.setattr(loader, "ingest_file", refuse)


def _only_per_file_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise RuntimeError("batch disabled for this test")

    monkeypatch.setattr(loader, "ingest_batch", refuse)


def _snapshot(raw: Path) -> dict[str, list[tuple]]:
    """Every raw, manifest and quarantine row, sorted, without the run's own columns."""
    con = duckdb.connect(str(raw), read_only=True)
    try:
        catalog = con.execute("SELECT current_database()").fetchone()[0]
        out = {}
        for name in [t.fqn for t in TABLES] + ["_manifest", "_quarantine"]:
            rel = f'"{catalog}".raw.{name}'
            cols = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                    "'raw' AND table_name = ? ORDER BY ordinal_position",
                    [name],
                ).fetchall()
                if c not in RUN_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in cols)
            out[name] = con.execute(f"SELECT {select} FROM {rel} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def _validations(result: IngestResult) -> dict[str, dict]:
    return {v.file_name: v.to_metadata() for t in result.tables for v in t.validations}


def test_a_batch_writes_what_loading_file_by_file_writes(
    tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as m:
        _no_per_file_path(m)
        batch = ingest_all(tmp_path / "batch" / "raw.duckdb", landing)
    with monkeypatch.context() as m:
        _only_per_file_path(m)
        per_file = ingest_all(tmp_path / "per_file" / "raw.duckdb", landing)
    assert not batch.errors and not per_file.errors
    got, want = (
        _snapshot(tmp_path / "batch" / "raw.duckdb"),
        _snapshot(tmp_path / "per_file" / "raw.duckdb"),
    )
    assert sum(len(v) for v in want.values()) > 500  # the comparison has rows to compare
    for name in want:
        assert got[name] == want[name], name
    # the data exercises what it must: drift (two column sets in one table), row problems
    drift = [r for r in want["erp__customers"] if r[-6] is not None]  # _extras
    assert drift and len(drift) < len(want["erp__customers"])
    assert len(want["_quarantine"]) == 3
    # the same validation per file, and the same problems in the same order
    assert _validations(batch) == _validations(per_file)
    assert [q.describe() for t in batch.tables for q in t.quarantine] == [
        q.describe() for t in per_file.tables for q in t.quarantine
    ]
    assert batch.summary_lines() != [] and batch.rows_loaded == per_file.rows_loaded


def test_several_files_in_one_run_equal_one_file_per_run(
    tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_per_file_path(monkeypatch)
    ingest_all(tmp_path / "once" / "raw.duckdb", landing)
    daily = tmp_path / "daily" / "raw.duckdb"
    for day in range(DAYS):
        result = ingest_all(daily, landing, as_of=START + timedelta(days=day))
        assert not result.errors
    assert _snapshot(daily) == _snapshot(tmp_path / "once" / "raw.duckdb")


def test_a_batch_writes_one_manifest_row_per_file(
    tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_per_file_path(monkeypatch)
    raw = tmp_path / "raw.duckdb"
    result = ingest_all(raw, landing, tables=[T["erp__payments"]])
    files = sorted(p.relative_to(landing).as_posix() for p in (landing / "erp/payments").iterdir())
    con = duckdb.connect(str(raw), read_only=True)
    try:
        catalog = con.execute("SELECT current_database()").fetchone()[0]
        manifest = con.execute(
            "SELECT file_name, status, rows_in_file, rows_loaded, rows_quarantined, load_id "
            f'FROM "{catalog}".raw._manifest ORDER BY file_name'
        ).fetchall()
        per_file = dict(
            con.execute(
                f'SELECT _file_name, count(*) FROM "{catalog}".raw.erp__payments GROUP BY 1'
            ).fetchall()
        )
    finally:
        con.close()
    assert [m[0] for m in manifest] == files and len(files) == DAYS + 1
    assert {m[5] for m in manifest} == {result.load_id}
    for name, status, rows, loaded, quarantined, _ in manifest:
        assert loaded + quarantined == rows and per_file.get(name, 0) == loaded, name
        assert status == ("partially_quarantined" if quarantined else "loaded"), name
    bad = next(m for m in manifest if m[0].endswith("_2.csv"))
    assert bad[2:5] == (4, 2, 2)
    entries = result.tables[0].quarantine
    assert [(e.row_number, e.column_name) for e in entries] == [
        (2, "amount"),
        (2, "updated_at"),
        (3, "payment_id"),
    ]
    # validation names the file; in-file duplicate key 990001 (rows 1 and 4) is found,
    # while the same key in other files is not a duplicate
    (failed,) = [v for v in result.tables[0].validations if not v.success]
    assert failed.file_name == bad[0]
    problems = {(e["expectation"], e["column"]): e for e in failed.expectations if not e["success"]}
    assert problems[("expect_column_values_to_be_unique", "payment_id")]["unexpected_count"] == 2
    assert problems[("expect_column_values_to_be_in_set", "method")]["partial_unexpected_list"] == [
        "cheque"
    ]
    # every file with something quarantined was copied aside, byte for byte
    copied = tmp_path / "quarantine" / result.load_id / bad[0]
    assert copied.read_bytes() == (landing / bad[0]).read_bytes()


def test_one_unparseable_file_in_a_batch_quarantines_only_that_file(
    tmp_path: Path, landing: Path
) -> None:
    land = tmp_path / "landing"
    shutil.copytree(landing / "erp" / "companies", land / "erp" / "companies")
    shutil.copytree(landing / "crm" / "departments", land / "crm" / "departments")
    day3 = START + timedelta(days=2)
    bad_csv = land / "erp" / "companies" / f"companies_{day3:%Y%m%d}.csv"
    bad_csv.write_bytes(b'company_id;name;updated_at\n1;"Loja Centro;20/11/2026 10:00:00\n')
    bad_json = land / "crm" / "departments" / f"departments_{day3:%Y%m%d}.jsonl"
    bad_json.write_bytes(b'{"department_id":"d_1","name":"Vendas"}\n{oops\n')
    tables = [T["erp__companies"], T["crm__departments"]]
    result = ingest_all(tmp_path / "raw.duckdb", land, tables=tables)
    assert not result.errors
    for table, bad in zip(tables, (bad_csv, bad_json), strict=True):
        outcome = result.by_table[table.fqn]
        (entry,) = outcome.quarantine
        assert entry.file_name == bad.relative_to(land).as_posix()
        assert entry.row_number is None and "cannot be parsed" in entry.reason
        assert outcome.files_quarantined == 1 and outcome.files_loaded == DAYS
    good = tmp_path / "good"
    for path in land.rglob("*.*"):
        if path not in (bad_csv, bad_json):
            target = good / path.relative_to(land)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    ingest_all(tmp_path / "good.duckdb", good, tables=tables)
    loaded, expected = _snapshot(tmp_path / "raw.duckdb"), _snapshot(tmp_path / "good.duckdb")
    for table in tables:  # every other file loaded exactly as without the bad one
        assert loaded[table.fqn] == expected[table.fqn] != []


def test_validations_run_off_the_loading_path_and_land_in_file_order(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ingest_all`` validates on its background thread: every loaded file still gets
    its validation, in file order, before the function returns; a validation that raises
    stops that table (rows committed) and names great-expectations, not the others."""
    from carteira.ingestion import batch, discover_files

    result = ingest_all(tmp_path / "ok" / "raw.duckdb", landing)
    for table in result.tables:
        delivered = [lf.rel_name for lf in discover_files(landing, T[table.table])]
        assert [v.file_name for v in table.validations] == delivered, table.table

    real = batch.validate_files

    def broken(df, table, *args):  # type: ignore[no-untyped-def]
        if table.fqn == "erp__payments":
            raise RuntimeError("expectation exploded")
        return real(df, table, *args)

    monkeypatch.setattr(batch, "validate_files", broken)
    result = ingest_all(tmp_path / "broken" / "raw.duckdb", landing)
    payments = result.by_table["erp__payments"]
    assert payments.error is not None and "great-expectations: RuntimeError" in payments.error
    assert payments.rows_loaded > 0
    assert [fqn for fqn, t in result.by_table.items() if t.error] == ["erp__payments"]


def test_great_expectations_is_imported_ahead_only_when_a_delivery_is_new(
    landing: Path, tmp_path: Path
) -> None:
    """The validation thread imports great-expectations at once on a day with a new file,
    and not on a run with nothing new (it would wait seconds for an import it never uses)."""
    from carteira.ingestion import (
        ValidationThread,
        ensure_raw_schema,
        manifest_hashes,
        scan_deliveries,
        validation_thread,
    )

    raw = tmp_path / "raw.duckdb"
    scans = scan_deliveries(landing, TABLES)

    def thread() -> ValidationThread:
        con = duckdb.connect(str(raw))
        try:
            ensure_raw_schema(con)
            return validation_thread(scans, manifest_hashes(con, TABLES))
        finally:
            con.close()

    first = thread()
    first.close()
    ingest_all(raw, landing)
    again = thread()
    again.close()
    assert first.warm and not again.warm


def test_a_run_lists_each_landing_folder_and_reads_the_manifest_once(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every refresh walks every delivery ever made: listed again for the hashes, the
    warm-up and each load, a year of history was three folder walks of ~365 files per
    table, and the manifest was read twice per table."""
    from carteira.ingestion import bookkeeping, files

    listed: list[str] = []
    manifest_reads: list[int] = []
    real_scan, real_manifest = files.scan_table_dir, bookkeeping.manifest_hashes

    def counting_scan(root: Path, table: object) -> object:
        listed.append(table.fqn)  # type: ignore[attr-defined]
        return real_scan(root, table)  # type: ignore[arg-type]

    def counting_manifest(con: object, tables: object) -> object:
        manifest_reads.append(1)
        return real_manifest(con, tables)  # type: ignore[arg-type]

    monkeypatch.setattr(files, "scan_table_dir", counting_scan)
    monkeypatch.setattr(loader, "manifest_hashes", counting_manifest)
    raw = tmp_path / "raw.duckdb"
    for _ in range(2):  # a first load, then a run where everything is already loaded
        listed.clear()
        manifest_reads.clear()
        result = ingest_all(raw, landing)
        assert sorted(listed) == sorted(t.fqn for t in TABLES)
        assert manifest_reads == [1]
    assert result.rows_loaded == 0 and not [t for t in result.tables if t.error]
