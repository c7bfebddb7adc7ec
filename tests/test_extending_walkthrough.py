"""docs/extending.md, performed: so the data engineer's guide cannot rot.

In a temporary copy of the project this adds a column a source started sending (contract,
generated staging .yml, staging model), adds a mart with an enforced contract, tests, a
unit test and an exposure, and builds it with the documented command (`carteira dbt build
-s +<mart>`) against a development copy of a raw layer; then builds it again (partial
parsing on). It also checks the one-line messages for a missing or stale raw layer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
EXTENDING = REPO / "docs" / "extending.md"

# The walkthrough's snippets, as docs/extending.md shows them.
CONTRACT_ANCHOR = """        _c("deleted_at ts?"),
        description="CRM clients with free-format phone numbers and an owner.","""
CONTRACT_CHANGE = """        _c("deleted_at ts?"),
        _c("instagram str?"),
        description="CRM clients with free-format phone numbers and an owner.","""
INSTAGRAM_DESCRIPTION = "Instagram handle as typed in the CRM (with or without @). Nullable."

MART_SQL = """\
{#- One row per active crm client with an Instagram handle, normalised. -#}
with clients as (
    select client_id, full_name, instagram
    from {{ ref('stg_crm__clients') }}
    where not is_deleted and instagram is not null
)

select
    cast(client_id as varchar) as client_id,
    cast(full_name as varchar) as full_name,
    cast(replace(lower(instagram), '@', '') as varchar) as instagram_handle
from clients
"""

MART_YML = """\
version: 2
models:
- name: client_instagram
  description: One row per active crm client with an Instagram handle (lower case, no @).
  config:
    contract:
      enforced: true
  columns:
  - name: client_id
    data_type: varchar
    description: crm client id.
    constraints:
    - type: not_null
    data_tests:
    - unique
  - name: full_name
    data_type: varchar
    description: Client name as in the CRM.
  - name: instagram_handle
    data_type: varchar
    description: Handle in lower case without the @.
    constraints:
    - type: not_null
  data_tests:
  - column_rules:
      name: column_rules_client_instagram
      arguments:
        not_null: [full_name]
      config:
        severity: warn
unit_tests:
- name: client_instagram_normalises_handles_and_skips_deleted_clients
  model: client_instagram
  given:
  - input: ref('stg_crm__clients')
    rows:
    - {client_id: c_1, full_name: Ana, instagram: '@Ana.Souza', is_deleted: false}
    - {client_id: c_2, full_name: Bia, instagram: null, is_deleted: false}
    - {client_id: c_3, full_name: Caio, instagram: '@caio', is_deleted: true}
  expect:
    rows:
    - {client_id: c_1, full_name: Ana, instagram_handle: ana.souza}
exposures:
- name: instagram_handles
  label: Instagram handles
  type: application
  maturity: low
  description: '`carteira report instagram`: clients and their Instagram handles.'
  depends_on:
  - ref('client_instagram')
  owner:
    name: Carteira reports
    email: reports@carteira.example
"""

RAW_ROWS = """\
import sys
import duckdb
from carteira.ingestion import ensure_raw_schema

with duckdb.connect(sys.argv[1]) as con:
    ensure_raw_schema(con)
    con.execute(
        "insert into raw.crm__clients (client_id, full_name, phones, created_at, updated_at,"
        " deleted_at, instagram, _file_name, _file_hash, _extract_date, _delivery_seq,"
        " _row_number, _loaded_at, _load_id) values"
        " ('c_1', 'Ana', ['11 98765-4321'], '2026-01-01 12:00', '2026-01-01 12:00', null,"
        "  ' @Ana.Souza ', 'crm/clients/clients_20260101.jsonl', 'h', '2026-01-01', 1, 1,"
        "  '2026-01-01 06:00', 'l'),"
        " ('c_2', 'Bia', [], '2026-01-01 12:00', '2026-01-01 12:00', null, '',"
        "  'crm/clients/clients_20260101.jsonl', 'h', '2026-01-01', 1, 2, '2026-01-01 06:00', 'l')"
    )
"""


def _copy_project(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("target", "logs", "__pycache__", "*.duckdb*")
    for folder in ("carteira", "models", "dbt_project", "queries"):
        shutil.copytree(REPO / folder, dest / folder, ignore=ignore)
    if (REPO / "seeds").exists():
        shutil.copytree(REPO / "seeds", dest / "seeds", ignore=ignore)
    return dest


def _run(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`uv run carteira ...` / `uv run python -m ...` in the copy (its code, not ours)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTEIRA_")}
    env.update(
        CARTEIRA_HOME=str(home),
        CARTEIRA_AS_OF="2026-01-02",
        PYTHONPATH=str(project),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return subprocess.run(
        [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True
    )


def test_the_guide_names_the_commands_this_test_runs() -> None:
    guide = EXTENDING.read_text(encoding="utf-8")
    for command in (
        "uv run carteira demo",
        "uv run python -m carteira.devtools.staging_yml",
        "uv run carteira dbt build -s +client_instagram",
        "uv run carteira dbt build -s client_instagram",
        "uv run carteira dbt docs generate",
        "carteira/contract.py",
        CONTRACT_CHANGE.strip().splitlines()[1].strip(),
    ):
        assert command in guide, command


def test_missing_demo_is_one_line_saying_what_to_run(tmp_path: Path) -> None:
    result = _run(REPO, tmp_path / "home", "-m", "carteira.cli.main", "dbt", "build")
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no raw layer" in lines[0] and "uv run carteira demo" in lines[0]


def test_raw_layer_older_than_the_contract_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    raw = home / "demo" / "warehouse.raw.duckdb"
    raw.parent.mkdir(parents=True)
    with duckdb.connect(str(raw)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.crm__departments (department_id varchar)")
    result = _run(REPO, home, "-m", "carteira.cli.main", "dbt", "build")
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "older than carteira/contract.py" in lines[0]
    assert "raw.crm__departments has no column name" in lines[0]
    assert "uv run carteira refresh --raw-only --landing " in lines[0]
    assert "uv run carteira demo" in lines[0]


def test_walkthrough_new_column_and_new_mart(tmp_path: Path) -> None:
    project = _copy_project(tmp_path / "project")
    home = tmp_path / "home"
    demo = home / "demo"
    demo.mkdir(parents=True)

    # 1. The source started sending a column: declare it in the contract ...
    contract = project / "carteira" / "contract.py"
    text = contract.read_text(encoding="utf-8")
    assert text.count(CONTRACT_ANCHOR) == 1
    contract.write_text(text.replace(CONTRACT_ANCHOR, CONTRACT_CHANGE), encoding="utf-8")

    # ... generate the staging .yml: the column appears, with no description yet ...
    generated = _run(project, home, "-m", "carteira.devtools.staging_yml")
    assert generated.returncode == 0, generated.stderr
    assert "stg_crm__clients.instagram has no description" in generated.stderr
    models_yml = project / "models" / "staging" / "crm" / "_crm__models.yml"
    yml = models_yml.read_text(encoding="utf-8")
    assert "  - name: instagram\n    description: ''\n" in yml
    # ... describe it where the generator said, and generate again: the check passes.
    models_yml.write_text(
        yml.replace(
            "  - name: instagram\n    description: ''\n",
            f"  - name: instagram\n    description: {INSTAGRAM_DESCRIPTION}\n",
        ),
        encoding="utf-8",
    )
    assert _run(project, home, "-m", "carteira.devtools.staging_yml").returncode == 0
    check = _run(project, home, "-m", "carteira.devtools.staging_yml", "--check")
    assert check.returncode == 0, check.stderr
    # the source and the staging model share the text: one docs block, read by both
    assert "{{ doc('stg_instagram') }}" in (project / "models/staging/_sources.yml").read_text()
    docs = (project / "models/staging/_staging__docs.md").read_text()
    assert f"{{% docs stg_instagram %}}\n{INSTAGRAM_DESCRIPTION}\n" in docs

    # ... and select it in the staging model, cleaned like every string.
    staging = project / "models" / "staging" / "crm" / "stg_crm__clients.sql"
    sql = staging.read_text(encoding="utf-8")
    sql = sql.replace(
        "        {{ stg_clean_string('city') }} as city,\n",
        "        {{ stg_clean_string('city') }} as city,\n"
        "        {{ stg_clean_string('instagram') }} as instagram,\n",
    ).replace("    city,\n", "    city,\n    instagram,\n")
    assert sql.count("instagram") == 3
    staging.write_text(sql, encoding="utf-8")

    # The raw layer gets the column at the next ingestion (ensure_raw_schema adds it);
    # here a hand-made raw layer stands in for the demo's.
    raw = demo / "warehouse.raw.duckdb"
    made = _run(project, home, "-c", RAW_ROWS, str(raw))
    assert made.returncode == 0, made.stderr

    # 2. A mart with an enforced contract, tests, a unit test and an exposure.
    mart_dir = project / "models" / "marts" / "social"
    mart_dir.mkdir()
    (mart_dir / "client_instagram.sql").write_text(MART_SQL, encoding="utf-8")
    (mart_dir / "_social__models.yml").write_text(MART_YML, encoding="utf-8")

    # 3. Build it with the documented command.
    first = _run(
        project, home, "-m", "carteira.cli.main", "dbt", "build", "-s", "+client_instagram"
    )
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    dev = demo / "warehouse.dev.duckdb"
    assert not (demo / "warehouse.duckdb").exists(), "the published file is never written"
    with duckdb.connect(str(dev), read_only=True) as con:
        rows = con.execute(
            "select client_id, instagram_handle from marts.client_instagram"
        ).fetchall()
    assert rows == [("c_1", "ana.souza")]
    target = project / "dbt_project" / "target" / "dev"
    results = json.loads((target / "run_results.json").read_text())["results"]
    statuses = {r["unique_id"]: r["status"] for r in results}
    unit = "unit_test.carteira.client_instagram." + (
        "client_instagram_normalises_handles_and_skips_deleted_clients"
    )
    assert statuses[unit] == "pass"
    assert statuses["model.carteira.client_instagram"] == "success"
    assert all(s in ("success", "pass") for s in statuses.values()), statuses

    # 4. A second build of the model alone re-uses the parsed project.
    second = _run(
        project, home, "-m", "carteira.cli.main", "dbt", "build", "-s", "client_instagram"
    )
    assert second.returncode == 0, second.stdout[-4000:]
    assert "Unable to do partial parsing" not in second.stdout
    assert (target / "partial_parse.msgpack").exists()
    assert "PASS=4" in second.stdout  # model (constraints held), unique, column_rules, unit test


def test_walkthrough_anchors_still_exist() -> None:
    """The snippets above edit these lines; a refactor that moves them must update both."""
    assert CONTRACT_ANCHOR in (REPO / "carteira" / "contract.py").read_text()
    text = (REPO / "models" / "staging" / "crm" / "stg_crm__clients.sql").read_text()
    assert "        {{ stg_clean_string('city') }} as city,\n" in text
    assert "    city,\n" in text
