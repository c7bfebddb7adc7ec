"""`carteira sql` and the reports' connection read the warehouse and nothing else.

Attacks as a person with a query would try them: write a file, read one, open another
database, switch external access back on, fetch or load an extension. Each must fail
and leave no file behind; an ordinary query still answers.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from carteira.cli.main import main
from carteira.reports import engine


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.t as select 42 as answer")
    con.close()
    (tmp_path / "secret.txt").write_text("the secret\n", encoding="utf-8")
    duckdb.connect(str(tmp_path / "other.duckdb")).execute(
        "create table hidden as select 'other db' as x"
    ).close()
    return path


def _attacks(tmp: Path) -> dict[str, tuple[str, Path | None]]:
    """Attack name -> (SQL, a file it would create if it worked)."""
    out = tmp / "out"
    return {
        "copy to": (f"copy (select * from marts.t) to '{out}.csv'", Path(f"{out}.csv")),
        "copy to parquet": (
            f"copy (select 1) to '{out}.parquet' (format parquet)",
            Path(f"{out}.parquet"),
        ),
        "export database": (f"export database '{out}_dir'", Path(f"{out}_dir")),
        "read_text": (f"select * from read_text('{tmp}/secret.txt')", None),
        "read_text /etc/hostname": ("select * from read_text('/etc/hostname')", None),
        "read_csv of a path": (f"select * from read_csv('{tmp}/secret.txt')", None),
        "read_blob": (f"select * from read_blob('{tmp}/secret.txt')", None),
        "replacement scan of a path": (f"select * from '{tmp}/secret.txt'", None),
        "glob": (f"select * from glob('{tmp}/*')", None),
        "attach": (f"attach '{tmp}/other.duckdb' as other", None),
        "attach a new file": (f"attach '{out}.duckdb' as new", Path(f"{out}.duckdb")),
        "set enable_external_access": ("set enable_external_access = true", None),
        "set enable_external_access then read": (
            "set enable_external_access = true; select * from read_text('/etc/hostname')",
            None,
        ),
        "unlock the configuration": ("set lock_configuration = false", None),
        "install": ("install httpfs", None),
        "load": ("load httpfs", None),
    }


ATTACKS = sorted(_attacks(Path("/x")))


@pytest.mark.parametrize("attack", ATTACKS)
def test_carteira_sql_refuses(attack: str, warehouse: Path) -> None:
    tmp = warehouse.parent
    query, creates = _attacks(tmp)[attack]
    result = CliRunner().invoke(main, ["sql", "--warehouse", str(warehouse), query])
    assert result.exit_code == 2, result.output
    assert "query failed" in result.output
    assert "the secret" not in result.output and "other db" not in result.output
    if creates is not None:
        assert not creates.exists(), f"{attack} wrote {creates}"


def test_carteira_sql_still_answers(warehouse: Path) -> None:
    result = CliRunner().invoke(
        main, ["sql", "--warehouse", str(warehouse), "select answer from marts.t"]
    )
    assert result.exit_code == 0, result.output
    assert "42" in result.output


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_reports_connection_refuses(attack: str, warehouse: Path) -> None:
    """Reports bind a person's values into queries: their connection is locked down too."""
    tmp = warehouse.parent
    query, creates = _attacks(tmp)[attack]
    con = engine.connect(warehouse)
    try:
        with pytest.raises(duckdb.Error):
            for statement in query.split(";"):
                con.execute(statement)
        assert con.execute("select answer from marts.t").fetchone() == (42,)
    finally:
        con.close()
    if creates is not None:
        assert not creates.exists(), f"{attack} wrote {creates}"
