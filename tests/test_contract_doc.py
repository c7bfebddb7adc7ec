"""docs/contract/sources.md is written from carteira.contract and kept up to date.

`python -m carteira.devtools.contract_doc` writes it; these tests fail when a contract
change was not followed by a run of it, and check that the page states what the contract
declares (so a newcomer reading it reads what the ingestion enforces).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from carteira import contract
from carteira.devtools import contract_doc


def test_committed_page_is_what_the_generator_writes() -> None:
    assert not contract_doc.stale(), "run: uv run python -m carteira.devtools.contract_doc"
    assert contract_doc.main(["--check"]) == 0


def test_every_table_column_and_enum_is_on_the_page() -> None:
    page = contract_doc.DOC_FILE.read_text(encoding="utf-8")
    for table in contract.TABLES:
        row = next(line for line in page.splitlines() if line.startswith(f"| `{table.name}` |"))
        for column in table.columns:
            assert f"{column.name} {column.type}" in row, (table.fqn, column.name)
            for value in column.enum or ():
                assert f"`{value}`" in row, (table.fqn, column.name, value)
        assert f"{table.primary_key} {table.column(table.primary_key).type}" in row
    for fmt in contract.SYSTEMS.values():
        assert f"| `{fmt.name}` |" in page


def test_check_fails_on_a_contract_change_and_a_run_fixes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "sources.md"
    page.write_text(contract_doc.render(), encoding="utf-8")
    monkeypatch.setattr(contract_doc, "DOC_FILE", page)
    assert contract_doc.main(["--check"]) == 0

    clients = contract.TABLES_BY_FQN["crm__clients"]
    tier = contract.Column("loyalty_tier", "str", enum=("gold", "silver"), note="CRM tier")
    changed = dataclasses.replace(clients, columns=(*clients.columns, tier), _by_name={})
    tables = tuple(changed if t is clients else t for t in contract.TABLES)
    monkeypatch.setattr(contract_doc, "TABLES", tables)

    assert contract_doc.main(["--check"]) == 1
    assert contract_doc.main([]) == 0
    assert "loyalty_tier str (one of `gold`, `silver`; CRM tier)" in page.read_text()
    assert contract_doc.main(["--check"]) == 0


def test_a_hand_edit_of_the_page_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "sources.md"
    page.write_text(contract_doc.render().replace("`S`/`N`", "`Y`/`N`"), encoding="utf-8")
    monkeypatch.setattr(contract_doc, "DOC_FILE", page)
    assert contract_doc.main(["--check"]) == 1
