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
        schedule = next(s for s in reloaded.defs.schedules if s.name == "daily_refresh")
        assert schedule.cron_schedule == "30 4 * * *"
        assert schedule.execution_timezone == "America/Manaus"
        assert schedule.job.name == "refresh"
    finally:
        monkeypatch.undo()
        importlib.reload(definitions)


def test_the_raw_tables_are_one_subsettable_step() -> None:
    """One step for 31 tables: Dagster's per-step overhead is paid once, not per table."""
    graph = _defs().resolve_asset_graph()
    keys = [AssetKey(["raw", t.fqn]) for t in TABLES]
    (step,) = {graph.get(k).assets_def for k in keys}
    assert step.can_subset and set(step.keys) == set(keys)
    assert graph.has(AssetKey(["landing_zone"]))


def test_a_failing_table_fails_the_raw_step_after_the_others_loaded(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """A table whose load raises (an I/O error, a bug: bad input is quarantined, not
    raised) fails the raw step once the other tables are loaded."""
    from datetime import date

    import duckdb

    from carteira.exit_codes import ExitCode
    from carteira.generator import generate
    from carteira.settings import Settings
    from orchestration.run import run_refresh
    from tests.helpers.faults import make_unreadable

    day = date(2026, 11, 20)
    landing = tmp_path / "landing"
    generate(landing, day, 1, "tiny", 5)
    bad = landing / "crm" / "opportunities" / f"opportunities_{day:%Y%m%d}.jsonl"
    where = bad.relative_to(landing).as_posix()
    make_unreadable(monkeypatch, where)
    settings = Settings.for_warehouse(landing, tmp_path / "wh" / "warehouse.duckdb", as_of=day)
    outcome = run_refresh(settings, raw_only=True)
    assert outcome.exit_code == ExitCode.NOT_PUBLISHED and outcome.failed_steps == ["raw_tables"]
    text = "\n".join(outcome.summary_lines())
    assert f"raw_tables: ingesting raw.crm__opportunities failed at {where}: " in text, text
    con = duckdb.connect(str(settings.raw_path), read_only=True)
    try:
        catalog = con.execute("select current_database()").fetchone()[0]
        tables = dict(
            con.execute(
                f'select table_name, count(*) from "{catalog}".raw._manifest group by 1'
            ).fetchall()
        )
    finally:
        con.close()
    # every other table was loaded before the step failed; the bad file is retried later
    assert "opportunities" not in tables and len(tables) == len(TABLES) - 1


def test_the_dbt_resource_skips_dagster_dbt_work_a_refresh_never_uses(monkeypatch) -> None:  # noqa: ANN001
    """No `dbt --version` subprocess and no in-process adapter before each dbt run
    (orchestration.resources.CarteiraDbtCliResource); the overrides must still be what
    dagster-dbt's `cli` calls, or they save nothing."""
    import inspect
    from importlib.metadata import version

    import dagster_dbt.core.resource as dbt_resource
    from dagster_dbt import DbtCliResource
    from packaging.version import Version

    from orchestration.resources import CarteiraDbtCliResource, resources_from_env

    def no_subprocess(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError(f"dbt started a subprocess: {args}")

    monkeypatch.setattr(dbt_resource, "check_output", no_subprocess)
    dbt = resources_from_env()["dbt"]
    assert isinstance(dbt, CarteiraDbtCliResource)
    assert dbt._cli_version == Version(version("dbt-core"))
    assert dbt._initialize_dbt_core_adapter(["build"]) is None
    source = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in source
    assert "self._initialize_dbt_core_adapter(" in source


def test_the_dagster_internals_carteira_relies_on_are_still_there() -> None:
    """carteira.dagster_internals: each private use fails here on the upgrade that breaks
    it, not silently in production (a flood of warnings, a wrong next run)."""
    import inspect
    import logging
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import dagster
    import dagster._core.execution.plan.active as active
    from packaging.version import Version

    from carteira.dagster_internals import (
        UNREPORTED_CHECK_LOGGER,
        UNREPORTED_CHECK_TEXT,
        next_cron_tick,
        quiet_unreported_checks,
    )

    assert Version(dagster.__version__).release[:2] == (1, 13), "re-check the internals"
    assert active.logger.name == UNREPORTED_CHECK_LOGGER
    assert UNREPORTED_CHECK_TEXT in inspect.getsource(active)
    quiet_unreported_checks()
    logger = logging.getLogger(UNREPORTED_CHECK_LOGGER)
    keep = logging.LogRecord(UNREPORTED_CHECK_LOGGER, logging.WARNING, "", 0, "other", (), None)
    drop = logging.LogRecord(
        UNREPORTED_CHECK_LOGGER,
        logging.WARNING,
        "",
        0,
        f"check x {UNREPORTED_CHECK_TEXT}",
        (),
        None,
    )
    assert logger.filter(keep) and not logger.filter(drop)
    zone = "America/Sao_Paulo"
    now = datetime(2026, 3, 3, 7, 0, tzinfo=ZoneInfo(zone))
    assert next_cron_tick("0 6 * * *", now, zone) == datetime(
        2026, 3, 4, 6, 0, tzinfo=ZoneInfo(zone)
    )
