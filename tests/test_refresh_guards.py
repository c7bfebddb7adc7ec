"""What a refresh refuses or reports before it builds anything (issue 9).

One refresh per warehouse (OS lock, released by the kernel when the holder dies), a
bounded wait for a reader of the raw file, exit codes that mean one thing, no traceback
for an expected failure, ERP files that are not Latin-1, landing entries the contract
does not know, and the smaller items (full disk, long parse errors, bad warehouse paths,
invalid view files).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from carteira.cli.main import main
from carteira.contract import TABLES
from carteira.exit_codes import Busy, CouldNotRun, ExitCode
from carteira.generator import generate
from carteira.ingestion import ingest_all
from carteira.ingestion.files import latin1_problem, unknown_entries
from carteira.refresh.lock import acquire_refresh_lock, lock_path, release_refresh_lock
from carteira.settings import Settings
from orchestration.run import run_refresh

DAY = date(2026, 11, 20)
TABLE = {t.fqn: t for t in TABLES}
PYTHON = sys.executable


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("guards") / "landing"
    generate(root, DAY, 1, "tiny", 3)
    return root


def _cli_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **extra}


def _refresh_cmd(landing: Path, warehouse: Path, *more: str) -> list[str]:
    return [
        PYTHON, "-m", "carteira.cli.main", "refresh", "--landing", str(landing),
        "--warehouse", str(warehouse), "--as-of", DAY.isoformat(), *more,
    ]  # fmt: skip


# --------------------------------------------------------------------------- refresh lock
HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from carteira.refresh.lock import acquire_refresh_lock
    acquire_refresh_lock(Path(sys.argv[1]))
    print("locked", flush=True)
    time.sleep(600)
    """
)


def test_second_refresh_lock_names_the_holder_and_a_killed_holder_blocks_nothing(
    tmp_path: Path,
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen([PYTHON, "-c", HOLDER, str(warehouse)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
        with pytest.raises(Busy) as refused:
            acquire_refresh_lock(warehouse)
        message = str(refused.value)
        assert f"pid {holder.pid}" in message and "started" in message
        assert str(lock_path(warehouse)) in message
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        # the kernel released the flock with the process: no stale lock to clean up
        assert acquire_refresh_lock(warehouse) is True
        info = json.loads(lock_path(warehouse).read_text())
        assert info["pid"] == os.getpid()
        assert acquire_refresh_lock(warehouse) is False  # re-entrant within a process
    finally:
        release_refresh_lock(warehouse)
        if holder.poll() is None:
            holder.kill()


def test_two_refreshes_started_together_one_runs_the_other_exits_3(
    landing: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "together" / "warehouse.duckdb"
    # a reader of the raw file for 20 s keeps whichever refresh takes the lock inside its
    # run (waiting for the raw file) while the other one starts, however slow the machine
    reader = _reader(Settings.for_warehouse(landing, warehouse).raw_path, 20)
    procs = [
        subprocess.Popen(
            _refresh_cmd(landing, warehouse, "--raw-only"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_cli_env(),
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
    reader.kill()
    reader.wait()
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 3], results
    _, out, err = next(r for r in results if r[0] == 3)
    winner = next(p for p, r in zip(procs, results, strict=True) if r[0] == 0)
    assert "another refresh" in err and f"pid {winner.pid}" in err, err
    assert "Traceback" not in out + err


# --------------------------------------------------------------------------- raw readers
READER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print("reading", flush=True)
    time.sleep(float(sys.argv[2]))
    con.close()
    time.sleep(600)
    """
)


def _reader(raw: Path, hold_seconds: float) -> subprocess.Popen[bytes]:
    raw.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(raw)).close()
    proc = subprocess.Popen([PYTHON, "-c", READER, str(raw), str(hold_seconds)],
                            stdout=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"reading"
    return proc


def test_a_reader_on_the_raw_file_makes_the_refresh_wait_then_exit_busy(
    landing: Path, tmp_path: Path
) -> None:
    settings = replace(
        Settings.for_warehouse(landing, tmp_path / "busy" / "warehouse.duckdb", as_of=DAY),
        raw_lock_wait_seconds=1.0,
    )
    reader = _reader(settings.raw_path, 600)
    try:
        started = time.monotonic()
        with pytest.raises(Busy) as refused:
            run_refresh(settings, raw_only=True)
        assert time.monotonic() - started < 30
        assert f"pid {reader.pid}" in str(refused.value)
        assert "snapshot" in str(refused.value)
        assert refused.value.exit_code == ExitCode.COULD_NOT_RUN
    finally:
        reader.kill()
        reader.wait()


def test_a_reader_that_leaves_within_the_wait_does_not_fail_the_refresh(
    landing: Path, tmp_path: Path
) -> None:
    settings = replace(
        Settings.for_warehouse(landing, tmp_path / "wait" / "warehouse.duckdb", as_of=DAY),
        raw_lock_wait_seconds=60.0,
    )
    reader = _reader(settings.raw_path, 1.5)
    try:
        outcome = run_refresh(settings, raw_only=True)
        assert outcome.exit_code == ExitCode.PUBLISHED, outcome.summary_lines()
    finally:
        reader.kill()
        reader.wait()


def test_a_reader_arriving_during_the_run_also_ends_in_exit_3(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bounded wait also guards every ingestion step, not only the start."""
    import orchestration.assets.raw as raw_assets

    def held(path: Path, wait_seconds: float, **_: object) -> None:
        raise Busy(f"raw history {path} is held open by pid 4242 (duckdb)")

    monkeypatch.setattr(raw_assets, "connect_for_write", held)
    settings = Settings.for_warehouse(landing, tmp_path / "late" / "warehouse.duckdb", as_of=DAY)
    outcome = run_refresh(settings, raw_only=True)
    assert outcome.exit_code == ExitCode.COULD_NOT_RUN and not outcome.published
    assert "pid 4242" in "\n".join(outcome.summary_lines())


# --------------------------------------------------------------------------- exit codes
def test_warehouse_that_is_a_folder_is_refused_before_any_ingestion(
    landing: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    result = CliRunner().invoke(
        main, ["refresh", "--landing", str(landing), "--warehouse", str(folder)]
    )
    assert result.exit_code == ExitCode.COULD_NOT_RUN, result.output
    settings = Settings.for_warehouse(landing, folder / "x.duckdb")
    with pytest.raises(CouldNotRun, match="is a folder"):
        run_refresh(replace(settings, warehouse_path=folder), raw_only=True)
    assert not any(tmp_path.rglob("*.raw.duckdb")), "nothing may be ingested"


def test_bad_arguments_exit_3(landing: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["refresh", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb"),
         "--as-of", "21/11/2026"],
    )  # fmt: skip
    assert result.exit_code == ExitCode.COULD_NOT_RUN, result.output


def test_dbt_is_found_beside_the_interpreter_and_a_missing_dbt_exits_3(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.resources import find_dbt

    monkeypatch.setenv("PATH", str(tmp_path))  # no dbt on PATH
    assert find_dbt() == str(Path(sys.executable).parent / "dbt")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    runner = CliRunner()
    args = ["refresh", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb")]
    result = runner.invoke(main, args)
    assert result.exit_code == ExitCode.COULD_NOT_RUN, result.output
    assert "dbt executable not found" in result.output
    assert "Traceback" not in result.output
    debug = runner.invoke(main, ["--debug", *args])
    assert debug.exit_code == ExitCode.COULD_NOT_RUN
    assert "Traceback" in debug.output


def test_cli_without_the_venv_on_path_finds_dbt(tmp_path: Path) -> None:
    """`.venv/bin/python -m carteira.cli.main` with a PATH that has no dbt on it."""
    env = _cli_env(PATH="/usr/bin:/bin")
    code = "from orchestration.resources import find_dbt; print(find_dbt())"
    out = subprocess.run([PYTHON, "-c", code], env=env, capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert out.stdout.strip() == str(Path(PYTHON).parent / "dbt")


def test_unexpected_errors_exit_2_not_1_and_show_a_traceback_only_with_debug(
    monkeypatch: pytest.MonkeyPatch, landing: Path, tmp_path: Path
) -> None:
    import orchestration.run

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(orchestration.run, "run_refresh", boom)
    args = ["refresh", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == ExitCode.NOT_PUBLISHED
    assert "unexpected error: RuntimeError: disk on fire" in result.output
    assert "Traceback" not in result.output
    debug = CliRunner().invoke(main, ["--debug", *args])
    assert debug.exit_code == ExitCode.NOT_PUBLISHED and "Traceback" in debug.output


# --------------------------------------------------------------------------- ERP encoding
def _erp_file_with_accents(landing: Path) -> Path:
    for path in sorted((landing / "erp").rglob("*.csv")):
        if not path.read_bytes().isascii():
            return path
    raise AssertionError("the tiny generator writes accented ERP names")


def test_an_erp_file_in_utf8_is_quarantined_whole_with_the_reason(
    landing: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "landing"
    source = _erp_file_with_accents(landing)
    rel = source.relative_to(landing)
    (copy / rel).parent.mkdir(parents=True)
    text = source.read_bytes().decode("latin-1")
    (copy / rel).write_bytes(text.encode("utf-8"))
    assert latin1_problem(source) is None
    table = TABLE[f"{rel.parts[0]}__{rel.parts[1]}"]
    result = ingest_all(tmp_path / "raw.duckdb", copy, tables=[table])
    (entry,) = result.tables[0].quarantine
    assert entry.row_number is None and entry.file_name == rel.as_posix()
    assert "UTF-8 with multi-byte characters" in entry.reason
    assert result.tables[0].rows_loaded == 0 and result.tables[0].files_quarantined == 1


def test_c1_control_bytes_are_not_latin1_text(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes("a;b\n1;\u201caspas\u201d\n".encode("cp1252"))
    assert "control byte 0x93" in (latin1_problem(path) or "")
    path.write_bytes("a;b\n1;Móveis\n".encode("latin-1"))
    assert latin1_problem(path) is None


# --------------------------------------------------------------------------- unknown entries
def test_every_entry_the_contract_does_not_know_is_reported(landing: Path, tmp_path: Path) -> None:
    copy = tmp_path / "landing"
    subprocess.run(["cp", "-r", str(landing), str(copy)], check=True)
    (copy / "erp" / "invoices").mkdir()
    (copy / "erp" / "invoices" / "invoices_20261120.csv").write_text("a;b\n")
    (copy / "sap" / "orders").mkdir(parents=True)
    (copy / "sap" / "orders" / "orders_20261120.csv").write_text("a,b\n")
    (copy / "README.txt").write_text("hi")
    (copy / "crm" / "notes.txt").write_text("hi")
    (copy / "crm" / "clients" / "old").mkdir()
    (copy / ".upload-tmp").write_text("partial")  # dot entries are upload leftovers
    found = unknown_entries(copy)
    assert found == [
        "README.txt: file outside any <system>/<table>/ folder",
        "crm/clients/old/: sub-folder inside a table folder (0 file(s) not read)",
        "crm/notes.txt: file outside any table folder",
        "erp/invoices/: unknown table folder of erp (1 file(s) not read)",
        "sap/: unknown system folder (1 file(s) not read)",
    ]
    settings = Settings.for_warehouse(copy, tmp_path / "wh" / "warehouse.duckdb", as_of=DAY)
    outcome = run_refresh(settings, raw_only=True)
    lines = "\n".join(outcome.summary_lines())
    assert "warning landing_zone: only_contract_entries" in lines
    assert "not in the contract, not read: erp/invoices/" in lines
    assert "not in the contract, not read: sap/" in lines
    assert outcome.exit_code == ExitCode.PUBLISHED  # reported, and a warning only


# --------------------------------------------------------------------------- smaller items
def test_a_long_parse_error_keeps_its_cause(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "pbx" / "calls"
    folder.mkdir(parents=True)
    header = ",".join(TABLE["pbx__calls"].column_names)
    (folder / "calls_20261120.csv").write_text(header + "\n1," + "x" * 2_100_000 + "\n")
    result = ingest_all(tmp_path / "raw.duckdb", landing, tables=[TABLE["pbx__calls"]])
    (entry,) = result.tables[0].quarantine
    assert "Maximum line size" in entry.reason, entry.reason
    assert len(entry.reason) < 2000


def test_a_full_disk_while_copying_the_build_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import shutil

    from carteira.refresh.publish import prepare_build
    from carteira.refresh.snapshot import publish_raw_snapshot

    settings = Settings.for_warehouse(tmp_path / "landing", tmp_path / "warehouse.duckdb")
    duckdb.connect(str(settings.warehouse_path)).close()
    duckdb.connect(str(settings.raw_path)).close()

    def full_disk(src: Path, dst: Path) -> None:
        Path(dst).write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", full_disk)
    with pytest.raises(OSError, match="No space left"):
        prepare_build(settings)
    assert not settings.build_path.exists()
    with pytest.raises(OSError, match="No space left"):
        publish_raw_snapshot(settings)
    assert not list(tmp_path.glob("*.building"))


def test_reports_and_sql_on_a_file_that_is_not_a_warehouse_print_no_traceback(
    tmp_path: Path,
) -> None:
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database\n" * 100)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    runner = CliRunner()
    for path in (text, empty):
        report = runner.invoke(main, ["report", "portfolio", "--warehouse", str(path)])
        assert report.exit_code != 0 and "not a Carteira warehouse" in report.output
        assert report.exception is None or isinstance(report.exception, SystemExit)
        assert "Traceback" not in report.output
    sql = runner.invoke(main, ["sql", "--warehouse", str(text), "select 1"])
    assert sql.exit_code == ExitCode.COULD_NOT_RUN and "cannot open" in sql.output
    assert isinstance(sql.exception, SystemExit)


def test_one_invalid_view_file_does_not_break_views_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARTEIRA_VIEWS_DIR", str(tmp_path))
    (tmp_path / "broken.yml").write_text("name: [unclosed\n")
    result = CliRunner().invoke(main, ["views", "list"])
    assert result.exit_code == 0, result.output
    assert "contracts-this-month" in result.output
    assert "skipped invalid view file" in result.output and "broken.yml" in result.output
