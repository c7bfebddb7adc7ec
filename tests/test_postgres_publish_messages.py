"""`carteira publish-postgres` says what happened when the server goes or the lock is held.

- a second publish on the same database names the holder (pid, host, start), as a
  second `carteira refresh` does;
- a server that goes away mid-publish (here: every session of the database terminated,
  as a stop or restart does) is said so, with "nothing changed, run again", not
  psycopg2's `InterfaceError: connection already closed`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from click.testing import CliRunner

from carteira.cli.main import main
from carteira.serving.postgres import publish as postgres_publish
from carteira.serving.postgres.sync import DbtResult, connect_pg, dsn_parts
from tests.helpers.postgres import fresh_database, server_dsn


@pytest.fixture
def dsn() -> Iterator[str]:
    with fresh_database("carteira_msgs") as fresh:
        yield fresh


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A warehouse path whose raw layer exists (nothing reads it: the steps are stubbed)."""
    path = tmp_path / "warehouse.duckdb"
    (tmp_path / "warehouse.raw.duckdb").write_bytes(b"")
    return path


def _publish(warehouse: Path, dsn: str) -> object:
    return CliRunner().invoke(
        main,
        ["publish-postgres", "--dsn", dsn, "--warehouse", str(warehouse), "--as-of",
         "2026-03-03", "--role-prefix", "carteira_msgs"],
    )  # fmt: skip


def _stop_the_server_for(dsn: str) -> None:
    """Terminate every other session of the database, as a server stop does."""
    admin = connect_pg(server_dsn())
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            "where datname = %s and pid <> pg_backend_pid()",
            (dsn_parts(dsn)["dbname"],),
        )
    admin.close()


def test_a_second_publish_names_the_holder(dsn: str, warehouse: Path) -> None:
    holder = postgres_publish.connect(dsn)
    try:
        postgres_publish._take_publish_lock(holder)
        result = _publish(warehouse, dsn)
    finally:
        holder.close()
    assert result.exit_code == 3, result.output
    (line,) = result.output.strip().splitlines()
    assert "another publish-postgres is running on this database" in line
    assert f"pid {os.getpid()} on host {socket.gethostname()}, started 20" in line


def test_server_gone_during_the_raw_copy(
    dsn: str, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def copy_while_the_server_stops(raw_path: Path, dsn_: str) -> int:
        con = connect_pg(dsn_)
        _stop_the_server_for(dsn_)
        with con.cursor() as cur:
            cur.execute("select 1")  # the server is gone: a real OperationalError
        return 0

    monkeypatch.setattr(postgres_publish, "sync_raw", copy_while_the_server_stops)
    _assert_server_gone(_publish(warehouse, dsn))


def test_server_gone_during_the_dbt_build(
    dsn: str, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def build_while_the_server_stops(settings: object, dsn_: str, **_: object) -> DbtResult:
        _stop_the_server_for(dsn_)
        return DbtResult(False, "could not connect to server", warehouse.parent)

    monkeypatch.setattr(postgres_publish, "sync_raw", lambda *_: 0)
    monkeypatch.setattr(postgres_publish, "dbt_build_postgres", build_while_the_server_stops)
    _assert_server_gone(_publish(warehouse, dsn))


def _assert_server_gone(result: object) -> None:
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 2, output  # type: ignore[attr-defined]
    first = output.strip().splitlines()[0]
    assert "went away during the publish" in first, output
    assert "nothing changed" in first and "run publish-postgres again" in first
    assert "connection already closed" not in output and "Traceback" not in output
    assert not isinstance(result.exception, psycopg2.Error)  # type: ignore[attr-defined]
