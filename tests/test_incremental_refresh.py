"""A daily refresh that continues from the published warehouse equals a full rebuild.

Scenario (tiny scale, three extract days): warehouse A is refreshed day by day (as_of day
2: the first build; then as_of day 3: ingestion reads only day 3's files and dbt builds
only what day 3 can change, continuing from the published state); warehouse B is built
once from nothing on all three days with the same as_of. Day 3 carries, besides the
generator's own deltas, second deliveries with the awkward cases of docs/contract/sources.md:

- a late-arriving OLDER version of a payment (smaller updated_at): must not win;
- a payment reversed (deleted_at set, newer updated_at): must win;
- a re-delivered call with other values (calls are immutable): the first delivery wins;
- a new payment for an old title dated in day 1 (a late-arriving fact);

and the cases where rows built on day 2 change without being delivered again
(tests/helpers/incremental_day.py): a client merge, a phone number moving between
clients, a client soft-deleted, and a title (delivered on day 2, due that day) that
becomes overdue only because as_of advanced.

Every mart and bi table of A must equal B's row for row (multiset equality on all
columns), and each case must have changed the marts between day 2 and day 3 (so the
comparison has something to catch).
"""

from __future__ import annotations

import csv
import os
import shutil
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from carteira.generator import generate
from carteira.ingestion.lake import sync_lake_file
from carteira.settings import Settings
from orchestration.run import RefreshOutcome, run_refresh
from tests.helpers.incremental_day import Scenario, inject_client_changes, inject_due_title
from tests.helpers.marts import mart_tables

START = date(2026, 3, 2)
DAYS = 3
LAST = START + timedelta(days=DAYS - 1)

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def _read_erp(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open("r", encoding="latin-1", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";", quotechar='"'))
    return rows[0], rows[1:]


def _write_csv(
    path: Path, header: list[str], rows: list[list[str]], *, delimiter: str, encoding: str
) -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, quotechar='"', lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _erp_ts(value: str) -> datetime:
    return datetime.strptime(value, "%d/%m/%Y %H:%M:%S")


def _inject_day3_corrections(landing: Path) -> dict[str, int]:
    """Second deliveries on the last day with a late older version, a soft delete, a
    re-delivered call and a late-arriving payment. Returns the ids involved."""
    stamp = LAST.strftime("%Y%m%d")
    pay_dir = landing / "erp" / "payments"
    header, first_rows = _read_erp(pay_dir / f"payments_{START.strftime('%Y%m%d')}.csv")
    col = {name: i for i, name in enumerate(header)}
    live = [r for r in first_rows if not r[col["deleted_at"]]]
    assert len(live) >= 2, "tiny must deliver at least two live payments on day 1"
    older, deleted = list(live[0]), list(live[1])
    # an older version than the one already loaded: amount changed, updated_at a day back
    older[col["amount"]] = "1,00"
    older[col["updated_at"]] = (_erp_ts(older[col["updated_at"]]) - timedelta(days=1)).strftime(
        "%d/%m/%Y %H:%M:%S"
    )
    # a reversal: deleted_at set, newer than anything loaded
    evening = datetime.combine(LAST, datetime.min.time()).replace(hour=20)
    deleted[col["deleted_at"]] = evening.strftime("%d/%m/%Y %H:%M:%S")
    deleted[col["updated_at"]] = evening.strftime("%d/%m/%Y %H:%M:%S")
    # a payment delivered late: new id, dated day 1, for the first payment's title
    max_id = max(int(r[col["payment_id"]]) for r in first_rows)
    late = list(live[0])
    late[col["payment_id"]] = str(max_id + 100_000)
    late[col["paid_on"]] = START.strftime("%d/%m/%Y")
    late[col["amount"]] = "0,01"
    late[col["updated_at"]] = evening.strftime("%d/%m/%Y %H:%M:%S")
    _write_csv(
        pay_dir / f"payments_{stamp}_2.csv",
        header,
        [older, deleted, late],
        delimiter=";",
        encoding="latin-1",
    )

    call_dir = landing / "pbx" / "calls"
    with (call_dir / f"calls_{START.strftime('%Y%m%d')}.csv").open(encoding="utf-8") as fh:
        calls = list(csv.reader(fh))
    cheader, crow = calls[0], list(calls[1])
    ccol = {name: i for i, name in enumerate(cheader)}
    crow[ccol["talk_seconds"]] = str(int(crow[ccol["talk_seconds"]] or 0) + 999)
    _write_csv(call_dir / f"calls_{stamp}_2.csv", cheader, [crow], delimiter=",", encoding="utf-8")
    return {
        "older_payment_id": int(older[col["payment_id"]]),
        "deleted_payment_id": int(deleted[col["payment_id"]]),
        "late_payment_id": int(late[col["payment_id"]]),
        "call_id": int(crow[ccol["call_id"]]),
    }


def _refresh(settings: Settings) -> RefreshOutcome:
    outcome = run_refresh(settings)
    assert outcome.published, "\n".join(outcome.summary_lines())
    return outcome


@dataclass(frozen=True)
class Warehouses:
    daily: Path  # refreshed day by day
    full: Path  # built once from nothing
    day_before: Path  # the day-by-day warehouse as published for day 2
    ids: dict[str, int]
    scenario: Scenario
    first_day: RefreshOutcome  # the day-by-day warehouse's first build (day 2)
    next_day: RefreshOutcome  # its incremental day (day 3)


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> Warehouses:
    root = tmp_path_factory.mktemp("incremental")
    landing = root / "landing"
    generate(landing, START, DAYS, "tiny", 11)
    ids = _inject_day3_corrections(landing)
    ids["overdue_receivable_id"] = inject_due_title(landing, LAST - timedelta(days=1))

    daily = Settings.for_warehouse(
        landing, root / "daily" / "warehouse.duckdb", as_of=LAST - timedelta(days=1)
    )
    first_day = _refresh(daily)
    day_before = root / "day_before.duckdb"
    shutil.copyfile(daily.warehouse_path, day_before)
    scenario = inject_client_changes(landing, day_before, LAST)
    next_day = _refresh(replace(daily, as_of=LAST))

    full = Settings.for_warehouse(landing, root / "full" / "warehouse.duckdb", as_of=LAST)
    _refresh(full)
    return Warehouses(
        daily.warehouse_path, full.warehouse_path, day_before, ids, scenario, first_day, next_day
    )


def _served_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """marts.<table> and bi.<relation> of an attached warehouse."""
    return [f"marts.{t}" for t in mart_tables(con, catalog)] + [
        f"bi.{r[0]}"
        for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = ? and table_schema = 'bi' order by 1",
            [catalog],
        ).fetchall()
    ]


# The column that says when a build ran (bi.warehouse_status, tagged every_build): two
# builds of the same inputs differ there by design, and only there.
BUILD_TIME_COLUMNS = {"bi.warehouse_status": "refreshed_at"}


def _differences(
    con: duckdb.DuckDBPyConnection, tables: list[str], left: str, right: str
) -> dict[str, tuple[int, int]]:
    """(rows only in left, rows only in right) of every table whose rows differ."""
    differences = {}
    for table in tables:
        rows = f"* exclude ({BUILD_TIME_COLUMNS[table]})" if table in BUILD_TIME_COLUMNS else "*"
        only_left = con.execute(
            f"select count(*) from (select {rows} from {left}.{table} "
            f"except all select {rows} from {right}.{table})"
        ).fetchone()[0]
        only_right = con.execute(
            f"select count(*) from (select {rows} from {right}.{table} "
            f"except all select {rows} from {left}.{table})"
        ).fetchone()[0]
        if only_left or only_right:
            differences[table] = (only_left, only_right)
    return differences


def test_day_by_day_refresh_equals_full_rebuild(warehouses: Warehouses) -> None:
    con = duckdb.connect()
    con.execute(f"attach '{warehouses.daily}' as daily (read_only)")
    con.execute(f"attach '{warehouses.full}' as full_build (read_only)")
    tables = _served_tables(con, "daily")
    assert tables == _served_tables(con, "full_build")
    assert {
        "marts.fct_payments",
        "marts.fct_calls",
        "marts.fct_bookings",
        "marts.client_financial_status",
        "bi.customer_history_titles",
    } <= set(tables)
    differences = _differences(con, tables, "daily", "full_build")
    assert differences == {}, f"(rows only in daily, rows only in full) per table: {differences}"
    rows = sum(con.execute(f"select count(*) from daily.{t}").fetchone()[0] for t in tables)
    assert rows > 0


def test_the_incremental_day_builds_only_what_it_can_change(warehouses: Warehouses) -> None:
    first, nxt = warehouses.first_day, warehouses.next_day
    assert first.models_carried_over == 0 and first.models_built > 0  # no previous build
    # tiny's day 3 leaves most tables without new rows: their models are carried over
    assert nxt.models_carried_over > 0 and nxt.models_built > 0
    assert nxt.models_built + nxt.models_carried_over == first.models_built
    assert any("carried over" in line for line in nxt.summary_lines())


def test_the_same_day_again_with_nothing_new_builds_nothing_and_keeps_the_file(
    warehouses: Warehouses,
) -> None:
    """A second refresh with the same as_of and no new files is a no-op: no model built,
    and the published file is the same file, byte for byte (readers are not disturbed)."""
    landing = warehouses.daily.parent.parent / "landing"
    settings = Settings.for_warehouse(landing, warehouses.daily, as_of=LAST)
    before, inode = settings.warehouse_path.read_bytes(), settings.warehouse_path.stat().st_ino
    again = _refresh(settings)
    assert again.nothing_new and again.run_id == ""  # answered without the Dagster job
    assert again.models_built == 0
    assert again.models_carried_over == warehouses.first_day.models_built
    assert settings.warehouse_path.read_bytes() == before
    assert settings.warehouse_path.stat().st_ino == inode
    assert not settings.build_path.exists()


def test_anything_the_job_would_act_on_sends_the_refresh_to_the_job(
    warehouses: Warehouses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer without the job is given only when the job would do nothing. Each thing
    it would act on, tried one at a time on the published day-3 warehouse and undone
    after, names its reason; with all of them undone the answer is "nothing" again."""
    from carteira.refresh import unchanged
    from carteira.refresh.lock import refresh_lock

    landing = warehouses.daily.parent.parent / "landing"
    settings = Settings.for_warehouse(landing, warehouses.daily, as_of=LAST)
    before = settings.warehouse_path.read_bytes()
    payments = landing / "erp" / "payments" / f"payments_{LAST:%Y%m%d}_2.csv"
    original = payments.read_bytes()
    added = [
        payments.with_name(f"payments_{LAST:%Y%m%d}_3.csv"),
        landing / "erp" / "notes.txt",
        payments.with_name(f"payments_{LAST + timedelta(days=1):%Y%m%d}.csv"),
    ]

    def reason(s: Settings = settings) -> str | None:
        with refresh_lock(s.warehouse_path):
            return unchanged.verdict(s).reason

    assert reason() is None  # the control: a no-op as it stands
    assert reason(replace(settings, full_refresh=True)) == "--full-refresh"
    earlier = LAST - timedelta(days=1)
    assert reason(replace(settings, as_of=earlier)) == (
        f"the published build holds extracts after {earlier}"
    )
    moved = reason(replace(settings, as_of=LAST + timedelta(days=1)))
    assert moved is not None and moved.startswith("dbt has "), moved  # the as_of models
    try:
        payments.write_bytes(original + b"\n")  # a correction: same name, new content
        assert reason() == "the landing zone has 1 file(s) to read"
        payments.write_bytes(original)
        shutil.copyfile(payments, added[0])  # a second delivery of the day
        assert reason() == "the landing zone has 1 file(s) to read"
        added[0].unlink()
        added[1].write_text("a stray file")  # the landing_zone check would list it
        assert reason() == "the landing zone has 1 entry(ies) the job lists"
        added[1].unlink()
        shutil.copyfile(payments, added[2])  # dated after as_of: listed, not read
        assert reason() == "the landing zone has 1 entry(ies) the job lists"
        added[2].unlink()
    finally:
        payments.write_bytes(original)
        for path in added:
            path.unlink(missing_ok=True)
    raw, kept = settings.raw_path, settings.raw_path.with_name("kept.raw.duckdb")
    raw.rename(kept)
    try:  # a new raw file (the old one deleted to load the landing zone again)
        duckdb.connect(str(raw)).close()
        assert reason() == "the raw layer has no manifest"
    finally:
        raw.unlink(missing_ok=True)
        kept.rename(raw)
    with monkeypatch.context() as patch:
        patch.setattr(unchanged, "manifest_is_fresh", lambda: False)
        assert reason() == "dbt's manifest is older than the project"
    lake = landing.parent / "lake"
    with_lake = replace(settings, lake_dir=lake)
    try:  # a lake configured on this existing warehouse: the raw step would write it
        lacks = reason(with_lake)
        assert lacks is not None and lacks.startswith("the lake lacks "), lacks
        assert lacks.endswith(" file(s) and holds 0 it must remove") and not lake.exists()
        assert sync_lake_file(settings.raw_path, lake).errors == []
        assert reason(with_lake) is None  # in step: nothing for the job
        first = sorted(lake.rglob("*.parquet"))[0]
        stale = first.with_name("a-load-raw-does-not-hold.parquet")
        shutil.copyfile(first, stale)
        assert reason(with_lake) == "the lake lacks 0 file(s) and holds 1 it must remove"
        stale.unlink()
        first.unlink()  # deleted by hand
        assert reason(with_lake) == "the lake lacks 1 file(s) and holds 0 it must remove"
    finally:
        shutil.rmtree(lake, ignore_errors=True)
    with monkeypatch.context() as patch:
        late = ({"erp": "warn"}, ["freshness: erp late (warn): last extract ..."])
        patch.setattr(unchanged, "refresh_freshness", lambda *a, **k: late)
        assert reason() == "a source is late (the job checks and alerts)"
    assert reason() is None
    assert settings.warehouse_path.read_bytes() == before


def _before_after(warehouses: Warehouses, sql: str, params: list) -> tuple[list, list]:
    """The rows of ``sql`` in the day-2 warehouse and in the day-by-day one of day 3."""
    found = []
    for path in (warehouses.day_before, warehouses.daily):
        con = duckdb.connect(str(path), read_only=True)
        try:
            found.append(con.execute(sql, params).fetchall())
        finally:
            con.close()
    return found[0], found[1]


KEY_OF = "select client_key from marts.client_identifiers where source_system = ? and source_id = ?"


def test_a_client_merge_moves_facts_already_built(warehouses: Warehouses) -> None:
    s = warehouses.scenario
    keys = []
    for system, source_id in (
        ("crm", s.merged_crm_client),
        ("erp", s.merged_erp_customer),
        ("studio", str(s.merged_studio_member)),
    ):
        keys.append(_before_after(warehouses, KEY_OF, [system, source_id]))
    (crm_before, crm_after), (erp_before, erp_after), (studio_before, studio_after) = keys
    assert erp_before == studio_before and crm_before != erp_before, "merged already on day 2"
    assert crm_after == erp_after == studio_after == erp_before
    before, after = _before_after(
        warehouses,
        "select distinct client_key from marts.fct_interactions where crm_client_id = ?",
        [s.merged_crm_client],
    )
    assert before == crm_before and after == erp_before


def test_a_phone_number_moving_moves_its_calls(warehouses: Warehouses) -> None:
    s = warehouses.scenario
    calls, _ = _before_after(
        warehouses,
        "select call_id from marts.fct_calls where crm_client_id = ? order by 1",
        [s.phone_from_client],
    )
    assert calls, "the client losing its number had no matched calls on day 2"
    _, now = _before_after(
        warehouses,
        "select distinct crm_client_id from marts.fct_calls where list_contains(?, call_id)",
        [[c for (c,) in calls]],
    )
    assert now == [(s.phone_to_client,)]


def test_a_soft_deleted_client_is_flagged_and_loses_its_calls(warehouses: Warehouses) -> None:
    s = warehouses.scenario
    before, after = _before_after(
        warehouses,
        "select is_deleted from marts.client_identifiers "
        "where source_system = 'crm' and source_id = ?",
        [s.deleted_client],
    )
    assert before == [(False,)] and after == [(True,)]
    before, after = _before_after(
        warehouses,
        "select count(*) from marts.fct_calls where crm_client_id = ?",
        [s.deleted_client],
    )
    assert before[0][0] > 0 and after == [(0,)]


def test_a_title_becomes_overdue_because_as_of_advanced(warehouses: Warehouses) -> None:
    before, after = _before_after(
        warehouses,
        "select status, as_of from marts.fct_receivables where receivable_id = ?",
        [warehouses.ids["overdue_receivable_id"]],
    )
    assert before == [("open", LAST - timedelta(days=1))] and after == [("overdue", LAST)]


def test_a_reversed_payment_reopens_its_title(warehouses: Warehouses) -> None:
    sql = (
        "select p.is_reversed, r.paid_amount from marts.fct_payments p "
        "join marts.fct_receivables r using (receivable_id) where p.payment_id = ?"
    )
    before, after = _before_after(warehouses, sql, [warehouses.ids["deleted_payment_id"]])
    assert before[0][0] is False and after[0][0] is True
    assert after[0][1] < before[0][1], "the reversed payment still counts in paid_amount"


def test_late_versions_deletes_and_redeliveries_land_as_the_contract_says(
    warehouses: Warehouses,
) -> None:
    daily, ids = warehouses.daily, warehouses.ids
    con = duckdb.connect(str(daily), read_only=True)
    older = con.execute(
        "select amount from marts.fct_payments where payment_id = ?", [ids["older_payment_id"]]
    ).fetchone()
    assert older is not None and str(older[0]) != "1.00", "an older version replaced a newer one"
    deleted = con.execute(
        "select is_reversed, is_counted from marts.fct_payments where payment_id = ?",
        [ids["deleted_payment_id"]],
    ).fetchone()
    assert deleted == (True, False)
    late = con.execute(
        "select paid_on, amount from marts.fct_payments where payment_id = ?",
        [ids["late_payment_id"]],
    ).fetchone()
    assert late is not None and late[0] == START and str(late[1]) == "0.01"
    talk = con.execute(
        "select talk_seconds from marts.fct_calls where call_id = ?", [ids["call_id"]]
    ).fetchone()[0]
    raw = duckdb.connect(str(daily.with_name("warehouse.raw.duckdb")), read_only=True)
    catalog = raw.execute("select current_database()").fetchone()[0]
    first = raw.execute(
        f'select talk_seconds from "{catalog}".raw.pbx__calls where call_id = ? '
        "order by _extract_date, _delivery_seq limit 1",
        [ids["call_id"]],
    ).fetchone()[0]
    assert talk == first


def _used_bytes(path: Path) -> int:
    """Bytes of the file's blocks in use (free blocks left out)."""
    with duckdb.connect(str(path), read_only=True) as con:
        block_size, used = con.execute(
            "select block_size, used_blocks from pragma_database_size()"
        ).fetchone()
    return block_size * used


def test_full_refreshes_rebuild_every_model_and_keep_the_file_size_bounded(
    warehouses: Warehouses, tmp_path: Path
) -> None:
    """`carteira refresh --full-refresh` on a published warehouse with nothing new, twice:
    each builds every model again (dbt --full-refresh, incremental ones too: nothing
    carried over) and the result equals the warehouse built once from nothing.

    The published file's size stays bounded: publishing copies the build, free blocks
    included, and compacts past MAX_FREE_SHARE, so repeated rewrites reuse the free blocks
    instead of growing the file. Only a build that rewrites every model shows the growth
    (a plain refresh with nothing new publishes nothing: the file stays the same file)."""
    from carteira.refresh.build_file import MAX_FREE_SHARE

    landing = warehouses.daily.parent.parent / "landing"
    daily = Settings.for_warehouse(landing, warehouses.daily)
    settings = Settings.for_warehouse(
        landing, tmp_path / "warehouse.duckdb", as_of=LAST, full_refresh=True
    )
    shutil.copyfile(daily.warehouse_path, settings.warehouse_path)
    shutil.copyfile(daily.raw_path, settings.raw_path)
    copy = settings.warehouse_path
    before = copy.stat().st_size
    sizes: list[int] = []
    for _ in range(2):  # the first starts from a copy (new inode), the second from the work file
        again = _refresh(settings)
        assert again.models_carried_over == 0
        assert again.models_built == warehouses.first_day.models_built
        sizes.append(copy.stat().st_size)
        if len(sizes) == 1:
            used_bytes = _used_bytes(copy)
    assert max(sizes) <= before / (1 - MAX_FREE_SHARE), (before, sizes)
    # Free blocks are reused: the second build rewrote every table, as many bytes as the
    # file holds in use; written past the end of the file, it would have grown by as much.
    assert sizes[1] - sizes[0] < 0.5 * used_bytes, (before, sizes, used_bytes)
    con = duckdb.connect()
    con.execute(f"attach '{copy}' as again (read_only)")
    con.execute(f"attach '{warehouses.full}' as full_build (read_only)")
    tables = _served_tables(con, "again")
    assert _differences(con, tables, "again", "full_build") == {}
