"""The Dagster definitions: one graph from raw extracts to the published warehouse."""

from __future__ import annotations

import importlib

from dagster import AssetKey

from carteira.contract import TABLES


def _defs():  # noqa: ANN202 - dagster's Definitions
    from orchestration import definitions

    return definitions.defs


def test_every_source_table_is_a_raw_asset_with_its_contract_check() -> None:
    graph = _defs().resolve_asset_graph()
    check_keys = set(graph.asset_check_keys)
    for table in TABLES:
        key = AssetKey(["raw", table.fqn])
        assert graph.has(key), key
        assert any(c.asset_key == key and c.name == "extract_contract" for c in check_keys)


def test_dbt_sources_are_the_raw_assets_and_models_are_grouped_by_layer() -> None:
    graph = _defs().resolve_asset_graph()
    stg = graph.get(AssetKey(["staging", "stg_erp__receivables"]))
    assert AssetKey(["raw", "erp__receivables"]) in stg.parent_keys
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {"raw", "staging", "intermediate", "marts", "publish"} <= groups
    # dbt tests surface as asset checks on the models they test
    assert any(c.asset_key == AssetKey(["marts", "dim_client"]) for c in graph.asset_check_keys)


def test_publish_waits_for_every_model() -> None:
    graph = _defs().resolve_asset_graph()
    publish = graph.get(AssetKey(["published_warehouse"]))
    models = {k for k in graph.get_all_asset_keys() if k.path[0] in ("staging", "marts")}
    assert models <= set(publish.parent_keys)


def test_daily_schedule_time_and_zone_come_from_the_environment(monkeypatch) -> None:  # noqa: ANN001
    from orchestration import definitions

    monkeypatch.setenv("CARTEIRA_SCHEDULE_CRON", "30 4 * * *")
    monkeypatch.setenv("CARTEIRA_SCHEDULE_TIMEZONE", "America/Manaus")
    try:
        reloaded = importlib.reload(definitions)
        (schedule,) = reloaded.defs.schedules
        assert schedule.cron_schedule == "30 4 * * *"
        assert schedule.execution_timezone == "America/Manaus"
        assert schedule.job.name == "refresh"
    finally:
        monkeypatch.undo()
        importlib.reload(definitions)
