"""An ingestion error fails the run and is retried; an earlier --as-of is reproducible.

Four tiny extract days; reading the day-4 crm opportunities file fails with an I/O error
(bad content is quarantined, not an error: an unreadable file stands in for what still
fails a table). The refresh must fail (exit 2, nothing published, the message names table and file),
and once the file is repaired the next run loads it. Then `--as-of <day 3>` on the
warehouse that already holds day 4 must equal the original day-3 build mart by mart,
and going forward to day 4 again must equal the day-4 build.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from carteira.exit_codes import ExitCode
from carteira.generator import generate
from carteira.settings import Settings
from orchestration.run import run_refresh
from tests.helpers.faults import make_unreadable
from tests.helpers.marts import mart_differences, raw_duplicates

START = date(2026, 3, 2)
DAY3 = START + timedelta(days=2)
DAY4 = START + timedelta(days=3)
BAD_FILE = f"crm/opportunities/opportunities_{DAY4:%Y%m%d}.jsonl"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest_has(settings: Settings, file_name: str) -> bool:
    con = duckdb.connect(str(settings.raw_path), read_only=True)
    try:
        catalog = con.execute("select current_database()").fetchone()[0]
        (n,) = con.execute(
            f'select count(*) from "{catalog}".raw._manifest where file_name = ?', [file_name]
        ).fetchone()
        return n > 0
    finally:
        con.close()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("recovery")
    landing = root / "landing"
    generate(landing, START, 4, "tiny", 7)
    settings = Settings.for_warehouse(landing, root / "wh" / "warehouse.duckdb", as_of=DAY3)
    day3 = run_refresh(settings)
    assert day3.exit_code == ExitCode.PUBLISHED, day3.summary_lines()
    reference3 = root / "reference_day3.duckdb"
    shutil.copyfile(settings.warehouse_path, reference3)

    before = _digest(settings.warehouse_path)
    with pytest.MonkeyPatch.context() as patch:
        make_unreadable(patch, BAD_FILE)
        failed = run_refresh(replace(settings, as_of=DAY4))
    published_after_failure = _digest(settings.warehouse_path) == before
    retried_later = not _manifest_has(settings, BAD_FILE)

    repaired = run_refresh(replace(settings, as_of=DAY4))
    reference4 = root / "reference_day4.duckdb"
    shutil.copyfile(settings.warehouse_path, reference4)
    back = run_refresh(replace(settings, as_of=DAY3))
    back_copy = root / "back_to_day3.duckdb"
    shutil.copyfile(settings.warehouse_path, back_copy)
    forward = run_refresh(replace(settings, as_of=DAY4))
    return {
        "settings": settings,
        "failed": failed,
        "unchanged": published_after_failure,
        "not_in_manifest": retried_later,
        "repaired": repaired,
        "reference3": reference3,
        "reference4": reference4,
        "back": back,
        "back_copy": back_copy,
        "forward": forward,
    }


def test_an_ingestion_error_fails_the_run_naming_table_and_file(scenario: dict) -> None:
    failed = scenario["failed"]
    assert failed.exit_code == ExitCode.NOT_PUBLISHED
    assert not failed.published and scenario["unchanged"]
    text = "\n".join(failed.summary_lines())
    assert "raw.crm__opportunities" in text and BAD_FILE in text, text
    assert "Input/output error" in text
    assert scenario["not_in_manifest"], "the failed file must be retried by the next run"


def test_the_next_run_retries_the_file(scenario: dict) -> None:
    repaired = scenario["repaired"]
    assert repaired.exit_code == ExitCode.PUBLISHED, repaired.summary_lines()
    assert _manifest_has(scenario["settings"], BAD_FILE)
    assert raw_duplicates(scenario["settings"].raw_path) == {}


def test_an_earlier_as_of_equals_the_original_build_mart_by_mart(scenario: dict) -> None:
    assert scenario["back"].exit_code == ExitCode.PUBLISHED
    assert mart_differences(scenario["back_copy"], scenario["reference3"]) == {}
    # and the day-4 build really differed, so the comparison can fail
    assert mart_differences(scenario["reference4"], scenario["reference3"]) != {}


def test_going_forward_again_equals_the_later_build(scenario: dict) -> None:
    assert scenario["forward"].exit_code == ExitCode.PUBLISHED
    assert mart_differences(scenario["settings"].warehouse_path, scenario["reference4"]) == {}
