"""The staging .yml files are generated from carteira.contract and kept up to date.

`python -m carteira.devtools.staging_yml` writes them; these tests fail when a contract
change was not followed by a run of it, and check that what people wrote (column and
source descriptions) survives a regeneration.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import yaml

from carteira import contract
from carteira.devtools import staging_yml
from carteira.devtools.descriptions import read_blocks

REPO = Path(__file__).resolve().parents[1]


def test_committed_files_are_what_the_generator_writes() -> None:
    files = staging_yml.generated_files()
    assert staging_yml.stale(files) == [], "run: uv run python -m carteira.devtools.staging_yml"
    assert staging_yml.undescribed(files) == []
    assert staging_yml.main(["--check"]) == 0


@pytest.fixture
def staging_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The generator pointed at a copy of models/staging."""
    staging = tmp_path / "models" / "staging"
    shutil.copytree(REPO / "models" / "staging", staging)
    for docs in (REPO / "models").glob("*.md"):  # hand-written blocks the generator reuses
        shutil.copy(docs, staging.parent)
    monkeypatch.setattr(staging_yml, "STAGING_DIR", staging)
    monkeypatch.setattr(staging_yml, "SOURCES_FILE", staging / "_sources.yml")
    return staging


def _block(staging: Path, name: str) -> str:
    """The text of docs block `name` the generator wrote."""
    blocks = read_blocks([staging / staging_yml.DOCS_FILE_NAME])
    return next(b.text for b in blocks if b.name == name)


def _models(path: Path) -> dict[str, dict]:
    return {m["name"]: m for m in yaml.safe_load(path.read_text())["models"]}


def test_check_fails_when_a_file_was_edited_by_hand(staging_copy: Path) -> None:
    path = staging_copy / "pbx" / "_pbx__models.yml"
    path.write_text(path.read_text().replace("    - unique\n", "", 1))
    assert staging_yml.main(["--check"]) == 1
    assert staging_yml.main([]) == 0
    assert "    - unique\n" in path.read_text()
    assert staging_yml.main(["--check"]) == 0


def test_a_new_contract_column_is_added_and_descriptions_survive(
    staging_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clients = contract.TABLES_BY_FQN["crm__clients"]
    new_column = contract.Column("loyalty_tier", "str", nullable=False, enum=("gold", "silver"))
    changed = dataclasses.replace(clients, columns=(*clients.columns, new_column), _by_name={})
    tables = tuple(changed if t is clients else t for t in contract.TABLES)
    monkeypatch.setattr(staging_yml, "TABLES", tables)
    path = staging_copy / "crm" / "_crm__models.yml"
    before = _models(path)["stg_crm__clients"]

    assert staging_yml.main(["--check"]) == 1
    assert staging_yml.main([]) == 0
    assert "stg_crm__clients.loyalty_tier has no description" in capsys.readouterr().err

    model = _models(path)["stg_crm__clients"]
    columns = {c["name"]: c for c in model["columns"]}
    assert list(columns)[: len(changed.columns)] == changed.column_names
    tier = columns["loyalty_tier"]
    # the source table and the staging model say the same: one docs block, twice doc()
    call = "{{ doc('stg_loyalty_tier') }}"
    assert tier == {"name": "loyalty_tier", "description": call, "data_type": "varchar"}
    assert _block(staging_copy, "stg_loyalty_tier") == "One of: gold, silver."
    # the column's warn rules join the model's one column_rules test
    (rules,) = model["data_tests"]
    arguments = rules["column_rules"]["arguments"]
    assert arguments["not_null"][-1] == "loyalty_tier"
    assert arguments["accepted_values"]["loyalty_tier"] == ["gold", "silver"]
    assert rules["column_rules"]["config"] == {"severity": "warn"}
    for old in before["columns"]:
        assert columns[old["name"]] == old

    # Someone describes the column in its docs block; the next run keeps the text, both
    # layers still show it through doc(), and the check passes.
    docs = staging_copy / staging_yml.DOCS_FILE_NAME
    docs.write_text(
        docs.read_text().replace(
            "{% docs stg_loyalty_tier %}\nOne of: gold, silver.",
            "{% docs stg_loyalty_tier %}\nLoyalty tier the CRM computes. One of: gold, silver.",
        )
    )
    assert staging_yml.main([]) == 0
    assert staging_yml.main(["--check"]) == 0
    sources = yaml.safe_load((staging_copy / "_sources.yml").read_text())
    crm = next(s for s in sources["sources"] if s["name"] == "crm")
    table = next(t for t in crm["tables"] if t["name"] == "clients")
    described = {c["name"]: c["description"] for c in table["columns"]}
    assert described["loyalty_tier"] == call
    assert _block(staging_copy, "stg_loyalty_tier") == (
        "Loyalty tier the CRM computes. One of: gold, silver."
    )
