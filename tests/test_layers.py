"""The test layers and the session's shared warehouses hold (tests/helpers/layers.py, shared.py).

An expensive test must land in `integration` however deep its helper hides the work, an
unmarked test that runs dbt or starts a project process must fail, and a shared warehouse
must be built once per session and noticed when written to.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.helpers import layers
from tests.helpers.shared import build_once, written_to


def _pure(x: int) -> int:
    return x + 1


def _builds() -> None:
    from orchestration.run import run_refresh

    run_refresh(None)  # type: ignore[arg-type]


def _calls_a_helper_that_builds() -> None:
    _pure(1)
    _builds()


def _item(function: object, *fixtures: object) -> SimpleNamespace:
    defs = {f"f{i}": [SimpleNamespace(func=f)] for i, f in enumerate(fixtures)}
    return SimpleNamespace(
        function=function,
        _fixtureinfo=SimpleNamespace(name2fixturedefs=defs),
        get_closest_marker=lambda _name: None,
    )


def test_work_hidden_in_a_helper_or_a_fixture_makes_a_test_integration() -> None:
    assert not layers.is_integration(_item(_pure))  # type: ignore[arg-type]
    assert layers.is_integration(_item(_calls_a_helper_that_builds))  # type: ignore[arg-type]
    assert layers.is_integration(_item(_pure, _pure, _calls_a_helper_that_builds))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "command",
    [
        ["dbt", "--version"],
        [str(Path(sys.executable).with_name("carteira")), "--help"],
        [sys.executable, "-m", "carteira.cli", "--help"],
        ["/usr/bin/chromium", "--version"],
    ],
)
def test_the_guard_refuses_project_processes(command: list[str]) -> None:
    with layers.guarded(), pytest.raises(pytest.fail.Exception, match="integration"):
        subprocess.run(command, check=False, capture_output=True)
    assert subprocess.Popen.__init__ is not None


def test_the_guard_refuses_dbt_in_process_and_postgres_and_restores_them() -> None:
    import psycopg2
    from dbt.cli.main import dbtRunner

    before = (dbtRunner.invoke, psycopg2.connect, subprocess.Popen.__init__)
    with layers.guarded():
        with pytest.raises(pytest.fail.Exception, match="ran dbt"):
            dbtRunner().invoke(["--version"])
        with pytest.raises(pytest.fail.Exception, match="PostgreSQL"):
            psycopg2.connect("host=127.0.0.1")
        subprocess.run(["true"], check=True)  # any other program still runs
    assert (dbtRunner.invoke, psycopg2.connect, subprocess.Popen.__init__) == before


def test_a_shared_warehouse_is_built_once_and_a_write_to_it_is_seen(tmp_path: Path) -> None:
    calls = []

    def build(work: Path) -> Path:
        calls.append(work)
        work.mkdir()
        (work / "w.duckdb").write_bytes(b"built")
        return work / "w.duckdb"

    first = build_once(tmp_path, "wh", build)
    assert build_once(tmp_path, "wh", build) == first
    assert len(calls) == 1
    assert written_to(tmp_path) == []
    first.write_bytes(b"written")
    assert written_to(tmp_path) == [str(first)]
