"""A quiet terminal: one progress indicator per phase, detail only with --verbose, no warnings.

The modes are checked on the progress module itself; one tiny refresh in a subprocess
(stderr not a terminal, so plain lines) checks what a person or a log file really gets.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from dagster import AssetKey

from carteira import progress
from carteira.generator import generate

AS_OF = date(2026, 11, 21)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _unconfigured() -> Iterator[None]:
    """Each test configures its own reporter; none leaks into other tests."""
    progress.reset()
    yield
    progress.reset()


def _lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if line]


def test_plain_mode_prints_each_quarter_and_the_end_only() -> None:
    out = io.StringIO()
    assert progress.configure(stream=out) == "plain"
    progress.start("ingest", 8)
    for i in range(8):
        progress.advance("ingest", f"crm/clients/clients_2026112{i}.jsonl: loaded")
    progress.close()
    lines = _lines(out)
    assert lines[:3] == [
        "files ingested: 2/8 (25%)",
        "files ingested: 4/8 (50%)",
        "files ingested: 6/8 (75%)",
    ]
    # no time here: the run's summary states each phase's time once
    assert lines[3] == "files ingested: 8/8"
    assert len(lines) == 4  # no per-file line


def test_verbose_mode_prints_every_file_and_node() -> None:
    out = io.StringIO()
    assert progress.configure(verbose=True, stream=out) == "verbose"
    progress.start("ingest", 2)
    progress.advance("ingest", "crm/clients/clients_20261120.jsonl: loaded")
    progress.advance("ingest", "crm/clients/clients_20261121.jsonl: loaded")
    with progress.dbt_log():
        print("1 of 1 START sql table model staging.stg_crm__clients ..... [RUN]")
        print("1 of 1 OK created sql table model staging.stg_crm__clients  [OK in 0.1s]")
    progress.close()
    text = out.getvalue()
    for expected in (
        "clients_20261120.jsonl: loaded",
        "clients_20261121.jsonl: loaded",
        "1 of 1 START sql table model staging.stg_crm__clients",
        "1 of 1 OK created sql table model staging.stg_crm__clients",
        "files ingested: 2/2",
        "dbt nodes built: 1/1",
    ):
        assert expected in text, expected


def test_dbt_log_counts_finished_nodes_and_keeps_stdout_clean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = io.StringIO()
    progress.configure(stream=out)
    with progress.dbt_log():
        print("Running with dbt=1.11.0")
        for n in range(1, 5):
            print(f"{n} of 4 START test unique_x ........ [RUN]")
            print(f"\x1b[0m{n} of 4 PASS unique_x ........ [\x1b[32mPASS\x1b[0m in 0.01s]")
    assert capsys.readouterr().out == ""
    assert _lines(out)[-1] == "dbt nodes built: 4/4"
    assert not any("unique_x" in line for line in _lines(out))


def test_a_failing_dbt_step_shows_dbt_last_lines() -> None:
    out = io.StringIO()
    progress.configure(stream=out)
    with pytest.raises(RuntimeError), progress.dbt_log():
        print("1 of 1 FAIL 3 assert_calls_reconcile ..... [FAIL 3 in 0.1s]")
        print("Done. PASS=0 WARN=0 ERROR=1 SKIP=0 TOTAL=1")
        raise RuntimeError("dbt build failed")
    assert "Done. PASS=0 WARN=0 ERROR=1" in out.getvalue()


def test_terminal_mode_draws_one_bar_per_phase() -> None:
    out = _Terminal()
    assert progress.configure(stream=out) == "bars"
    progress.start("ingest", 3)
    for _ in range(3):
        progress.advance("ingest", "a file")
    with progress.dbt_log():
        print("1 of 1 OK created sql table model marts.dim_client ... [OK in 0.1s]")
    progress.close()
    drawn = out.getvalue()
    assert "files ingested" in drawn and "dbt nodes built" in drawn
    assert "3/3" in drawn and "1/1" in drawn
    assert "a file" not in drawn


def test_the_cli_stops_reporting_when_its_command_ends(tmp_path: Path) -> None:
    """Later code in the same process (tests, an embedding app) must not write to a stale stream."""
    from click.testing import CliRunner

    from carteira.cli.main import main

    args = ["generate", "--landing", str(tmp_path), "--start", "2026-11-20", "--days", "1"]
    result = CliRunner().invoke(main, [*args, "--scale", "tiny"])
    assert result.exit_code == 0, result.output
    assert progress._reporter is None


def test_singular_tests_are_checks_of_one_model() -> None:
    """Each singular test reading several models is a check of the one it names in meta."""
    from orchestration.definitions import defs

    checks = {(c.asset_key, c.name) for c in defs.resolve_asset_graph().asset_check_keys}
    for model, test in (
        ("fct_calls", "assert_calls_reconcile"),
        ("fct_bookings", "assert_bookings_per_outcome_sum_to_total"),
        ("client_financial_status", "assert_client_total_receivable_reconciles"),
        ("dim_client", "assert_every_client_record_mapped_once"),
        ("fct_orders", "assert_order_value_reconciles"),
        ("fct_receivables", "assert_receivable_balances_reconcile"),
    ):
        assert (AssetKey(["marts", model]), test) in checks, test


def _carteira(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARTEIRA_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "carteira.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )


def test_a_tiny_refresh_prints_plain_lines_a_summary_and_no_warning(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    stats = generate(landing, date(2026, 11, 20), 2, "tiny", 7)
    warehouse = tmp_path / "warehouse.duckdb"
    args = ["--landing", str(landing), "--warehouse", str(warehouse), "--as-of", str(AS_OF)]

    run = _carteira("refresh", *args, home=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "WARNING" not in run.stderr and "Warning" not in run.stderr, run.stderr
    err = run.stderr.splitlines()
    assert f"files ingested: {stats.files_written}/{stats.files_written}\n" in run.stderr
    assert re.search(r"^dbt nodes built: (\d+)/\1$", run.stderr, re.MULTILINE), run.stderr
    # Each phase's time is printed once, in the summary's "time:" line (the progress
    # lines once printed their own, longer ingest time beside it).
    timed = [line for line in err + run.stdout.splitlines() if re.search(r"\d\.\ds\b", line)]
    assert [line.split()[0] for line in timed] == ["time:", "total"], timed
    assert len(err) <= 8, run.stderr  # 3 quarter lines + the end line, per phase
    assert "START" not in run.stdout + run.stderr
    out = run.stdout.splitlines()
    assert out[0].startswith("run ") and out[0].endswith(f"published {warehouse}")
    assert len(out) <= 3, run.stdout  # the short summary: run, time, total
    # dbt's own file log says what each node did, without every statement, in plain text
    # (dbt_file_log_env), though dagster-dbt reads dbt's stdout as JSON
    from carteira.settings import Settings

    log = (Settings.for_warehouse(landing, warehouse).dbt_target_path / "dbt.log").read_text()
    assert "OK created sql table model" in log, log[-2000:]
    assert "[debug]" not in log and '"level": "debug"' not in log, log[-2000:]
    assert not any(line.startswith("{") for line in log.splitlines()), log[-2000:]
    # a new warehouse's first build reuses the parse `dbt parse` wrote for the project: the
    # profile names no path (carteira/refresh/dbt_connection.py) and --vars only what
    # differs from dbt_project.yml
    assert "Unable to do partial parsing" not in log, log[:2000]

    verbose = _carteira("refresh", *args, "--raw-only", "--verbose", home=tmp_path)
    assert verbose.returncode == 0, verbose.stdout + verbose.stderr
    # files already loaded: one line per table, whatever the history's length
    assert "crm__clients: 2 file(s) already loaded, skipped" in verbose.stderr
    assert "clients_20261120.jsonl" not in verbose.stderr
