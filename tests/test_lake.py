"""The raw layer mirrored as Parquet (carteira.ingestion.lake), on hand-written raw layers.

As a data engineer: the lake reads back as the raw layer, column for column and type for
type; a day adds files and never rewrites one; a load raw no longer holds leaves the lake.
As an attacker: a load id is part of a path, a link in the lake leads elsewhere, a killed
sync leaves a temporary behind. Only DuckDB and files: these run in the fast layer.
"""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from carteira.exit_codes import CouldNotRun
from carteira.ingestion import lake
from carteira.ingestion.lake import plan_lake, sync_lake, sync_lake_file
from carteira.setting_values import InvalidSetting
from carteira.settings import Settings
from tests.helpers.rawdb import create_raw_db, insert_rows

DAY1, DAY2, DAY3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)
LOAD1, LOAD2, LOAD3 = "20260301T060000-aaaa1111", "20260302T060000-bbbb2222", "run-3"
TABLES = ("crm__clients", "crm__staff", "erp__payments")


def _clients(n: int) -> list[dict]:
    return [
        {
            "client_id": f"C{n}",
            "full_name": 'Ana d\'Ávila "a"',
            "phones": ["+55 11 9999-0000", "a,b", None],
            "created_at": datetime(2026, 2, 27, 13, 45, 1, 250000),
            "unknown_col": "kept in _extras",  # not in the contract: lands in _extras
        },
        {"client_id": f"C{n}b", "phones": [], "full_name": None},
    ]


def _staff(n: int) -> list[dict]:
    return [
        {"staff_id": f"S{n}", "can_view_all": True, "active": False},
        {"staff_id": f"S{n}b", "can_view_all": None, "active": True},
    ]


def _payments(n: int) -> list[dict]:
    return [
        {"payment_id": n, "amount": Decimal("1234.56"), "paid_on": date(2026, 2, 28)},
        {"payment_id": n + 100, "amount": Decimal("-0.01"), "paid_on": None, "method": "pix"},
    ]


def _load(raw: Path, load_id: str, day: date, n: int, seq: int = 1) -> None:
    """One run's rows of one day in the three tables."""
    for fqn, rows in (("crm__clients", _clients), ("crm__staff", _staff)):
        insert_rows(raw, fqn, rows(n), extract_date=day, load_id=load_id, delivery_seq=seq)
    insert_rows(raw, "erp__payments", _payments(n), extract_date=day, load_id=load_id)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two runs: the first loads day 1; the second day 2 and a second delivery of day 1."""
    path = create_raw_db(tmp_path_factory.mktemp("lake") / "wh.raw.duckdb")
    _load(path, LOAD1, DAY1, 1)
    _load(path, LOAD2, DAY2, 2)
    insert_rows(path, "crm__clients", _clients(3), extract_date=DAY1, load_id=LOAD2, delivery_seq=2)
    return path


@pytest.fixture
def raw(two_runs: Path, tmp_path: Path) -> Path:
    """A copy of the two runs' raw layer for one test (built once: each costs a second)."""
    path = tmp_path / "raw" / "wh.raw.duckdb"
    path.parent.mkdir()
    shutil.copyfile(two_runs, path)
    return path


@pytest.fixture
def lake_dir(tmp_path: Path) -> Path:
    return tmp_path / "work" / "lake"


def _files(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under ``root`` (dot-files too): (inode, mtime in ns, bytes)."""
    found = {}
    for path in root.rglob("*"):
        if path.is_file():
            st = path.stat()
            found[str(path.relative_to(root))] = (st.st_ino, st.st_mtime_ns, path.read_bytes())
    return found


def _relation(lake_dir: Path, fqn: str) -> str:
    return f"read_parquet('{lake_dir}/{fqn}/*/*.parquet', hive_partitioning = true)"


def _compare(raw: Path, lake_dir: Path, fqn: str) -> int:
    """Assert the lake's rows of ``fqn`` are raw's, every column and type; the row count."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{raw}' AS r (READ_ONLY)")
        order = "ORDER BY _load_id NULLS FIRST, _extract_date, _file_name, _row_number"
        source = f"SELECT * REPLACE (CAST(_extras AS VARCHAR) AS _extras) FROM r.raw.{fqn}"
        mirror = f"SELECT * EXCLUDE (extract_date) FROM {_relation(lake_dir, fqn)}"
        assert con.execute(f"DESCRIBE {mirror}").fetchall() == (
            con.execute(f"DESCRIBE {source}").fetchall()
        )
        rows = con.execute(f"{source} {order}").fetchall()
        assert con.execute(f"{mirror} {order}").fetchall() == rows
        # the partition is the day of the rows inside it, read back as a DATE
        (partition_type,) = con.execute(
            f"SELECT typeof(extract_date) FROM {_relation(lake_dir, fqn)} LIMIT 1"
        ).fetchone()
        assert partition_type == "DATE"
        assert con.execute(
            f"SELECT count(*) FROM {_relation(lake_dir, fqn)} "
            "WHERE extract_date IS DISTINCT FROM _extract_date"
        ).fetchone() == (0,)
        return len(rows)
    finally:
        con.close()


def test_one_file_per_table_day_and_load(raw: Path, lake_dir: Path) -> None:
    done = sync_lake_file(raw, lake_dir)
    assert done.errors == []
    expected = {
        f"{fqn}/extract_date={day}/{load}.parquet"
        for fqn in TABLES
        for day, load in ((DAY1, LOAD1), (DAY2, LOAD2))
    } | {f"crm__clients/extract_date={DAY1}/{LOAD2}.parquet"}
    assert set(_files(lake_dir)) == expected  # no temporary left, no other table's folder
    assert (done.files_written, done.files_removed, done.rows_written) == (7, 0, 14)
    assert done.summary() == "lake: 7 file(s) written, 0 removed"


def test_the_lake_reads_back_as_the_raw_layer_column_for_column(raw: Path, lake_dir: Path) -> None:
    sync_lake_file(raw, lake_dir)
    assert sum(_compare(raw, lake_dir, fqn) for fqn in TABLES) == 14
    con = duckdb.connect()
    # the values a careless copy loses: decimals, lists with NULLs, JSON as text
    rows = con.execute(
        f"SELECT amount, typeof(amount) FROM {_relation(lake_dir, 'erp__payments')} "
        "ORDER BY payment_id"
    ).fetchall()
    assert [amount for amount, _ in rows] == [Decimal("1234.56")] * 2 + [Decimal("-0.01")] * 2
    assert {kind for _, kind in rows} == {"DECIMAL(18,2)"}
    phones, extras = con.execute(
        f"SELECT phones, _extras FROM {_relation(lake_dir, 'crm__clients')} WHERE client_id = 'C1'"
    ).fetchone()
    assert phones == ["+55 11 9999-0000", "a,b", None]
    assert extras == '{"unknown_col": "kept in _extras"}'
    con.close()


def test_a_second_sync_writes_nothing_and_leaves_every_file(raw: Path, lake_dir: Path) -> None:
    sync_lake_file(raw, lake_dir)
    before = _files(lake_dir)
    again = sync_lake_file(raw, lake_dir)
    assert (again.files_written, again.files_removed, again.rows_written) == (0, 0, 0)
    assert _files(lake_dir) == before  # same inode, mtime and bytes


def test_a_new_load_adds_exactly_its_files(raw: Path, lake_dir: Path) -> None:
    sync_lake_file(raw, lake_dir)
    before = _files(lake_dir)
    _load(raw, LOAD3, DAY3, 3)
    insert_rows(raw, "crm__staff", _staff(4), extract_date=DAY2, load_id=LOAD3, delivery_seq=2)
    done = sync_lake_file(raw, lake_dir)
    after = _files(lake_dir)
    added = {f"{fqn}/extract_date={DAY3}/{LOAD3}.parquet" for fqn in TABLES} | {
        f"crm__staff/extract_date={DAY2}/{LOAD3}.parquet"
    }
    assert set(after) - set(before) == added
    assert {k: after[k] for k in before} == before  # the old files untouched
    assert (done.files_written, done.files_removed, done.rows_written) == (4, 0, 8)
    for fqn in TABLES:
        _compare(raw, lake_dir, fqn)


def test_a_load_raw_no_longer_holds_leaves_the_lake(
    raw: Path, lake_dir: Path, tmp_path: Path
) -> None:
    """Raw restored from a copy taken before the last load: its files are removed."""
    snapshot = tmp_path / "snapshot.duckdb"
    shutil.copyfile(raw, snapshot)
    _load(raw, LOAD3, DAY3, 3)
    sync_lake_file(raw, lake_dir)
    kept = {k: v for k, v in _files(lake_dir).items() if LOAD3 not in k}
    stray = lake_dir / "crm__staff" / f"extract_date={DAY1}" / "copied-by-hand.parquet"
    shutil.copyfile(lake_dir / "crm__staff" / f"extract_date={DAY1}" / f"{LOAD1}.parquet", stray)
    shutil.copyfile(snapshot, raw)  # the restore
    done = sync_lake_file(raw, lake_dir)
    assert (done.files_written, done.files_removed) == (0, 4)
    assert _files(lake_dir) == kept
    assert not any(p.name == f"extract_date={DAY3}" for p in lake_dir.rglob("*"))
    for fqn in TABLES:  # no row twice, no row raw does not have
        _compare(raw, lake_dir, fqn)


def test_a_killed_syncs_temporary_is_removed_and_never_read(raw: Path, lake_dir: Path) -> None:
    sync_lake_file(raw, lake_dir)
    part = lake_dir / "crm__staff" / f"extract_date={DAY2}"
    temp = part / f".{LOAD3}.parquet.tmp"
    temp.write_bytes(b"PAR1 half a file")  # what a kill during COPY leaves
    assert _compare(raw, lake_dir, "crm__staff") == 4  # a reader skips it
    done = sync_lake_file(raw, lake_dir)
    assert not temp.exists() and done.errors == [] and done.files_written == 0
    assert _compare(raw, lake_dir, "crm__staff") == 4


def test_a_failed_write_leaves_no_partial_file(
    raw: Path, lake_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.replace

    def disk_full(src: Path, dst: Path) -> None:
        if LOAD2 in str(dst) and "erp__payments" in str(dst):
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(lake.os, "replace", disk_full)
    done = sync_lake_file(raw, lake_dir)
    (error,) = done.errors
    assert "raw.erp__payments" in error and LOAD2 in error and "No space left" in error
    assert done.files_written == 6
    assert not [p for p in lake_dir.rglob("*") if p.name.startswith(".")]
    monkeypatch.setattr(lake.os, "replace", real)
    assert sync_lake_file(raw, lake_dir).files_written == 1  # the next sync completes it
    _compare(raw, lake_dir, "erp__payments")


FORGED = ["../../x", "../../../../escaped", "a/b", "..", ".hidden", "no-load-id", "x" * 200]


def test_a_forged_load_id_is_refused_and_nothing_leaves_the_lake(
    raw: Path, lake_dir: Path, tmp_path: Path
) -> None:
    forged = [
        {**row, "_load_id": load_id}
        for i, load_id in enumerate(FORGED)
        for row in _payments(50 + i)
    ]
    insert_rows(raw, "erp__payments", forged, extract_date=DAY2)  # one file, one load each
    # a forged load of two days is refused once
    insert_rows(raw, "erp__payments", _payments(90), extract_date=DAY1, load_id=FORGED[0])
    outside = {str(p) for p in tmp_path.rglob("*")}
    done = sync_lake_file(raw, lake_dir)
    assert len(done.errors) == len(FORGED)
    assert all(e.startswith("lake: raw.erp__payments load ") for e in done.errors)
    named = {
        e.removeprefix("lake: raw.erp__payments load ").split(" refused:")[0] for e in done.errors
    }
    assert named == {repr(load_id) for load_id in FORGED}
    # nothing written outside the lake, nothing in it but the good loads' files
    new = {p for p in tmp_path.rglob("*") if lake_dir not in p.parents} - {Path(o) for o in outside}
    assert new == {lake_dir, lake_dir.parent}  # the lake (and its parent) made, nothing else
    assert {p.stem for p in lake_dir.rglob("*.parquet")} == {LOAD1, LOAD2}
    assert done.files_written == 7  # every table still mirrored, erp__payments too


def test_rows_without_a_load_id_go_to_one_file_per_day(raw: Path, lake_dir: Path) -> None:
    """Raw layers loaded before `_load_id` existed hold NULL there."""
    for day in (DAY1, DAY2):
        rows = [{**row, "_load_id": None} for row in _staff(7)]
        insert_rows(raw, "crm__staff", rows, extract_date=day, delivery_seq=3)
    sync_lake_file(raw, lake_dir)
    for day in (DAY1, DAY2):
        assert (lake_dir / "crm__staff" / f"extract_date={day}" / "no-load-id.parquet").is_file()
    assert _compare(raw, lake_dir, "crm__staff") == 8


def test_a_linked_partition_is_not_written_through(
    raw: Path, lake_dir: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (lake_dir / "crm__clients").mkdir(parents=True)
    (lake_dir / "crm__clients" / f"extract_date={DAY2}").symlink_to(elsewhere)
    (lake_dir / "erp__payments").symlink_to(elsewhere)
    done = sync_lake_file(raw, lake_dir)
    assert list(elsewhere.iterdir()) == []
    assert any("is a link" in e and "crm__clients" in e for e in done.errors)
    assert any("is a link" in e and "erp__payments" in e for e in done.errors)
    # the rest is mirrored; the links stay (a person put them there)
    assert (lake_dir / "crm__clients" / f"extract_date={DAY1}" / f"{LOAD2}.parquet").is_file()
    assert _compare(raw, lake_dir, "crm__staff") == 4
    assert (lake_dir / "erp__payments").is_symlink()


def test_the_plan_tells_a_lake_in_step_from_one_that_is_not(raw: Path, lake_dir: Path) -> None:
    """What carteira.refresh.unchanged asks before answering "nothing to do"."""
    con = duckdb.connect(str(raw), read_only=True)
    try:
        assert plan_lake(con, lake_dir).to_write == 7  # a lake just configured
        assert not lake_dir.exists()  # asking writes nothing
        sync_lake(con, lake_dir)
        plan = plan_lake(con, lake_dir)
        assert (plan.to_write, plan.remove, plan.errors) == (0, [], [])
        (lake_dir / "crm__staff" / f"extract_date={DAY1}" / f"{LOAD1}.parquet").unlink()
        assert plan_lake(con, lake_dir).to_write == 1
        shutil.rmtree(lake_dir)  # deleted
        assert plan_lake(con, lake_dir).to_write == 7
    finally:
        con.close()


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        ("landing", "it is the landing zone"),
        ("landing/lake", "it is inside the landing zone"),
        ("w/wh.quarantine", "it is the quarantine"),
        ("w/wh.quarantine/lake", "it is inside the quarantine"),
        ("w", "it holds the warehouse"),
        ("a-file", "it is a file"),
    ],
)
def test_settings_refuse_a_lake_that_is_not_a_folder_of_its_own(
    tmp_path: Path, where: str, problem: str
) -> None:
    (tmp_path / "landing").mkdir()
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(InvalidSetting) as caught:
        Settings.for_warehouse(
            tmp_path / "landing", tmp_path / "w" / "wh.duckdb", lake_dir=tmp_path / where
        )
    assert isinstance(caught.value, CouldNotRun)  # exit 3, before anything is written
    assert str(caught.value).startswith("invalid setting CARTEIRA_LAKE=")
    assert problem in str(caught.value)
    raw_elsewhere = Settings.for_warehouse(
        tmp_path / "landing", tmp_path / "w" / "wh.duckdb", lake_dir=tmp_path / "lake"
    )
    assert raw_elsewhere.lake_dir == (tmp_path / "lake").resolve()


def test_the_raw_step_mirrors_what_it_can_and_fails_naming_the_refused_load(
    tmp_path: Path,
) -> None:
    """The refresh's raw step (a Dagster run of it alone, nothing to load): the good load is
    mirrored, and the step fails naming the table and the load it refused."""
    from dagster import materialize

    from orchestration.assets.raw import raw_tables
    from orchestration.resources import CarteiraResource

    (tmp_path / "landing").mkdir()
    settings = Settings.for_warehouse(
        tmp_path / "landing", tmp_path / "w" / "wh.duckdb", lake_dir=tmp_path / "lake"
    )
    insert_rows(create_raw_db(settings.raw_path), "crm__staff", _staff(1), load_id=LOAD1)
    insert_rows(settings.raw_path, "erp__payments", _payments(1), load_id="../../../evil")
    result = materialize(
        [raw_tables],
        resources={"carteira": CarteiraResource.from_settings(settings)},
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.user_failure_data.description
    assert "raw.erp__payments load '../../../evil' refused" in message, message
    assert [p.relative_to(settings.lake_dir) for p in settings.lake_dir.rglob("*.parquet")] == [
        Path("crm__staff/extract_date=2026-01-01") / f"{LOAD1}.parquet"
    ]
    assert not any(p.name == "evil.parquet" for p in tmp_path.rglob("*"))
