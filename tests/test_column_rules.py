"""Column rules (issue 14): error ones are contract constraints, warn ones one test per model.

An error-severity not-null or accepted-values rule is an enforced constraint of the
model's contract: a row that breaks it fails the model, nothing is published, and the
summary names the model and the column (keys stay `unique` tests: a DuckDB key
constraint costs far more than the test, docs/performance.md). A warn-severity rule is
part of the model's one `column_rules` test: the warehouse is published and the summary
says which column broke which rule. The manifest test keeps the project that way (no
per-column tests creeping back where a constraint or the model's column_rules says it).
"""

from __future__ import annotations

import re
from datetime import date

import duckdb
import jinja2
import pytest

from carteira.exit_codes import ExitCode
from carteira.generator import generate
from carteira.refresh.dbt_failures import failed_nodes
from carteira.settings import DBT_PROJECT_DIR, Settings
from orchestration.dbt_project import ensure_manifest, load_manifest
from orchestration.run import run_refresh

DAY = date(2026, 11, 20)
FOLDED = ("not_null", "accepted_values")


def _manifest() -> dict:
    ensure_manifest()
    return load_manifest()


def test_column_rules_are_constraints_or_one_warn_test_per_model() -> None:
    manifest = _manifest()
    nodes = manifest["nodes"]
    rules_per_model: dict[str, int] = {}
    for node in nodes.values():
        meta = node.get("test_metadata") or {}
        model = nodes.get(node.get("attached_node") or "", {})
        if node["resource_type"] != "test" or model.get("resource_type") != "model":
            continue
        name, severity = meta.get("name"), node["config"]["severity"].lower()
        if name == "column_rules":
            assert severity == "warn", node["name"]
            rules_per_model[model["name"]] = rules_per_model.get(model["name"], 0) + 1
            continue
        if name not in FOLDED:
            continue  # unique, relationships: data tests (docs/architecture.md)
        assert severity == "error", f"{node['name']}: a warn rule belongs in column_rules"
        assert not model["config"]["contract"]["enforced"], (
            f"{node['name']}: {model['name']} has a contract, make it a constraint"
        )
    assert rules_per_model and set(rules_per_model.values()) == {1}


def test_views_declare_no_constraints() -> None:
    """dbt creates a view without its contract's constraints and says nothing: a
    not-null declared on a view would read as protection it does not give. A view's
    columns come from tables whose own constraints hold (docs/architecture.md)."""
    views = [
        node
        for node in _manifest()["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "view"
    ]
    assert views, "no view models: this test guards nothing"
    for node in views:
        assert not node.get("constraints"), f"{node['name']}: a view enforces no constraint"
        for column in node["columns"].values():
            assert not column.get("constraints"), (
                f"{node['name']}.{column['name']}: a view enforces no constraint"
            )


def _unique_combination_sql(model: str, columns: list[str]) -> str:
    """The generic test's query, rendered as dbt renders it (the body of `{% test %}`)."""
    text = (DBT_PROJECT_DIR / "tests" / "generic" / "unique_combination.sql").read_text()
    body = re.search(r"{% test unique_combination\(.*?\) %}(.*){% endtest %}", text, re.S)
    assert body, "unique_combination.sql lost its {% test %} block"
    return jinja2.Template(body.group(1)).render(model=model, columns=columns)


def test_unique_combination_finds_a_repeated_composite_key_nulls_included() -> None:
    con = duckdb.connect()
    con.execute(
        "create table t as select * from (values (1, 'a', 10), (1, 'b', 11), "
        "(2, null, 12), (3, 'a', 13)) v(k, s, x)"
    )
    sql = _unique_combination_sql("t", ["k", "s"])
    assert con.execute(sql).fetchall() == []
    con.execute("insert into t values (1, 'a', 14), (2, null, 15)")
    assert sorted(con.execute(sql).fetchall(), key=str) == [(1, "a", 2), (2, None, 2)]


def test_the_failed_build_text_names_model_and_column() -> None:
    text = (
        "The dbt CLI process with command ... failed with exit code `1`.\n\n"
        "Errors parsed from dbt logs:\n\n"
        "12 of 20 ERROR creating sql table model marts.fct_calls ..... [\x1b[31mERROR\x1b[0m]\n\n"
        "\x1b[31mFailure in model fct_calls (../models/marts/fct_calls.sql)\x1b[0m\n\n"
        "  Runtime Error in model fct_calls (../models/marts/fct_calls.sql)\n"
        "  Constraint Error: NOT NULL constraint failed: fct_calls__dbt_tmp.started_at\n\n"
        "Failure in model dim_client (../models/marts/dim_client.sql)\n"
        '  Constraint Error: PRIMARY KEY or UNIQUE constraint violation: duplicate key "k1"\n'
        "Failure in model fct_bookings (../models/marts/fct_bookings.sql)\n"
        '  null value in column "outcome" of relation "fct_bookings__dbt_tmp" violates '
        "not-null constraint\n"
        "Failure in model fct_orders (../models/marts/fct_orders.sql)\n"
        '  Constraint Error: CHECK constraint failed on table "fct_orders__dbt_tmp" with '
        "expression CHECK((status IN ('open', 'done')))\n"
        "Failure in test relationships_fct_payments_receivable_id (models/marts/x.yml)\n"
        "  Got 1 result, configured to fail if != 0\n"
    )
    manifest = {
        "nodes": {
            "model.carteira.dim_client": {
                "constraints": [],
                "columns": {"client_key": {"constraints": [{"type": "primary_key"}]}},
            }
        }
    }
    assert failed_nodes(text, manifest) == [
        "model fct_calls: column started_at is null in a row (not_null constraint)",
        "model dim_client: the value k1 twice in a key of client_key (primary key or unique "
        "constraint)",
        "model fct_bookings: column outcome is null in a row (not_null constraint)",
        "model fct_orders: a row breaks the check constraint (status IN ('open', 'done'))",
        "test relationships_fct_payments_receivable_id: Got 1 result, configured to fail if != 0",
    ]
    assert failed_nodes("raw.erp__payments: disk full") == []


# --------------------------------------------------------------------------- a refresh
@pytest.fixture(scope="module")
def refreshes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A refresh with a warn-rule violation, then one whose bad row reaches a mart constraint.

    The bad rows go straight into the raw layer: the ingestion's own validation would
    quarantine them, and these rules are the warehouse's second line behind it.
    """
    root = tmp_path_factory.mktemp("column_rules")
    generate(root / "landing", DAY, 1, "tiny", 3)
    settings = Settings.for_warehouse(root / "landing", root / "warehouse.duckdb", as_of=DAY)
    assert run_refresh(settings, raw_only=True).exit_code == ExitCode.PUBLISHED
    with duckdb.connect(str(settings.raw_path)) as con:
        # a task type the contract does not know: staging's column_rules warn
        con.execute(
            "insert into raw.crm__tasks by name select * replace ("
            "'meeting' as task_type, now()::timestamp as _loaded_at, 'bad-1' as _load_id) "
            "from raw.crm__tasks limit 1"
        )
    warned = run_refresh(settings)
    published = settings.warehouse_path.read_bytes()
    with duckdb.connect(str(settings.raw_path)) as con:
        # a session without a start: staging warns, activity_sessions.session_date refuses
        con.execute(
            "insert into raw.studio__sessions by name select * replace ("
            "999999 as session_id, null as starts_at, now()::timestamp as _loaded_at, "
            "'bad-2' as _load_id) from raw.studio__sessions limit 1"
        )
    failed = run_refresh(settings)
    return {
        "warned": warned,
        "failed": failed,
        "unchanged": settings.warehouse_path.read_bytes() == published,
    }


def test_a_warn_rule_violation_publishes_and_says_which_column(refreshes: dict) -> None:
    outcome = refreshes["warned"]
    lines = outcome.summary_lines()
    assert outcome.exit_code == ExitCode.PUBLISHED and outcome.published, lines
    assert "warning staging/stg_crm__tasks: column_rules_stg_crm__tasks" in lines
    assert "  stg_crm__tasks.task_type: accepted_values fails in 1 row(s), e.g. 'meeting'" in lines


def test_a_source_null_reaching_a_mart_constraint_stops_the_publish_and_names_it(
    refreshes: dict,
) -> None:
    outcome = refreshes["failed"]
    lines = outcome.summary_lines()
    assert outcome.exit_code == ExitCode.NOT_PUBLISHED and not outcome.published, lines
    assert refreshes["unchanged"], "the previous warehouse stays published"
    assert (
        "  warehouse_models: model activity_sessions: column session_date is null in a row "
        "(not_null constraint)"
    ) in lines
    assert "warning staging/stg_studio__sessions: column_rules_stg_studio__sessions" in lines
