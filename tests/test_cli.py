"""The `carteira` command: generation, and the refresh's exit status and summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from carteira.cli.main import main


def test_generate_writes_every_table(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "--landing",
            str(landing),
            "--start",
            "2026-11-20",
            "--days",
            "2",
            "--scale",
            "tiny",
            "--seed",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote 62 files" in result.output
    assert (landing / "erp" / "receivables" / "receivables_20261121.csv").exists()


@pytest.mark.integration  # the refresh command: generation, ingestion, a Dagster run
def test_refresh_with_quarantined_input_exits_1_and_names_file_row_column(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    runner = CliRunner()
    assert (
        runner.invoke(
            main,
            [
                "generate",
                "--landing",
                str(landing),
                "--start",
                "2026-11-20",
                "--days",
                "1",
                "--scale",
                "tiny",
                "--seed",
                "3",
            ],
        ).exit_code
        == 0
    )
    # A second delivery of the day with one good row and one whose amount does not parse.
    bad = landing / "erp" / "payments" / "payments_20261120_2.csv"
    bad.write_bytes(
        "payment_id;receivable_id;paid_on;amount;method;updated_at;deleted_at\n"
        "880001;1;20/11/2026;1.234,56;pix;20/11/2026 10:00:00;\n"
        "880002;1;20/11/2026;doze reais;pix;20/11/2026 10:00:00;\n".encode("latin-1")
    )
    result = runner.invoke(
        main,
        [
            "refresh",
            "--landing",
            str(landing),
            "--warehouse",
            str(tmp_path / "wh" / "warehouse.duckdb"),
            "--as-of",
            "2026-11-20",
            "--raw-only",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "quarantined (1 problem(s))" in result.output
    assert "erp/payments/payments_20261120_2.csv row 2 column amount" in result.output


def test_the_progress_bar_counts_the_files_the_refresh_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --as-of the refresh cuts at today: a delivery dated 2099 is listed as not
    read, and the progress bar must not count it either (it did: no file ever reached
    N/N)."""
    from carteira import progress
    from orchestration import run

    landing = tmp_path / "landing" / "crm" / "campaigns"
    landing.mkdir(parents=True)
    for day in ("20200101", "20991231"):
        (landing / f"campaigns_{day}.jsonl").write_bytes(b"")
    totals: list[tuple[str, int | None]] = []
    monkeypatch.setattr(progress, "start", lambda phase, total=None: totals.append((phase, total)))
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    monkeypatch.setattr(  # the count is the CLI's; the refresh itself is tested elsewhere
        run,
        "run_refresh",
        lambda settings, **kw: run.RefreshOutcome("r", True, True, warehouse),
    )
    monkeypatch.delenv("CARTEIRA_AS_OF", raising=False)
    args = ["refresh", "--landing", str(tmp_path / "landing"), "--warehouse", str(warehouse)]
    result = CliRunner().invoke(main, [*args, "--raw-only"])
    assert result.exit_code == 0, result.output
    assert totals == [("ingest", 1)]
