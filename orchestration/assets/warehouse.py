"""Warehouse: the dbt project as assets, and the publish step that swaps the new file in.

dbt builds into a private copy of the published warehouse (see `carteira.publish`); its
tests run as Dagster asset checks; an error-severity failure fails the dbt step, so the
publish step never runs and readers keep the previous warehouse.
"""

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    asset,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from carteira import progress
from carteira.build_state import built_past, raw_extracts_after, record_build
from carteira.locking import acquire_refresh_lock
from carteira.publish import discard_build, prepare_build, publish, publish_raw_snapshot
from orchestration.dbt_project import carteira_dbt_project, ensure_manifest
from orchestration.resources import CarteiraResource

ensure_manifest()


class CarteiraDbtTranslator(DagsterDbtTranslator):
    """dbt sources are the raw-layer assets; models are keyed and grouped by layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            identifier = dbt_resource_props.get("identifier") or dbt_resource_props["name"]
            return AssetKey(["raw", identifier])
        return AssetKey([self._layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return self._layer(dbt_resource_props)

    @staticmethod
    def _layer(props: Mapping[str, Any]) -> str:
        if props["resource_type"] == "seed":
            return "seeds"
        fqn = props.get("fqn") or []
        return fqn[1] if len(fqn) > 2 else "warehouse"


# Unit tests check SQL logic on fixed inputs, not the day's data: CI runs them (every
# pytest dbt build does), the daily refresh skips them, as dbt recommends for production.
DBT_BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set ``values`` in os.environ and restore what was there: a refresh run inside a
    longer-lived process (tests, a Dagster code server) must not leave its paths and
    dates behind for the next dbt that process starts."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


translator = CarteiraDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=carteira_dbt_project.manifest_path,
    project=carteira_dbt_project,
    dagster_dbt_translator=translator,
)
def warehouse_models(
    context: AssetExecutionContext, dbt: DbtCliResource, carteira: CarteiraResource
) -> Iterator[Any]:
    settings = carteira.settings()
    acquire_refresh_lock(settings.warehouse_path)  # held already when run by `carteira refresh`
    as_of = settings.effective_as_of()
    try:
        prepare_build(settings)
        # The incremental staging models continue from the published state; a state built
        # from extracts later than as_of (an earlier --as-of) must not be continued.
        args = list(DBT_BUILD_ARGS)
        if built_past(settings.build_path, as_of):
            args.append("--full-refresh")
            progress.emit(f"published warehouse holds extracts after {as_of}: full refresh")
        dbt_vars, daily_env = settings.refresh_dbt_vars()
        context.log.info(f"dbt builds into {settings.build_path} with vars {settings.dbt_vars()}")
        progress.emit(f"dbt build into {settings.build_path.name} (as_of {as_of})")
        # profiles.yml and macros/daily_var.sql read the environment; dagster-dbt gives the
        # dbt process a copy of os.environ when it starts it, so set it just for that.
        with _environment({**settings.dbt_env(), **daily_env}):
            invocation = dbt.cli(
                args + ["--vars", json.dumps(dbt_vars, sort_keys=True)],
                context=context,
                target_path=settings.dbt_target_path,
            )
        with progress.dbt_log():
            yield from invocation.stream()
        record_build(settings.build_path, as_of, raw_extracts_after(settings.raw_path, as_of))
    except BaseException:
        discard_build(settings)
        raise


@asset(
    key=AssetKey(["published_warehouse"]),
    deps=list(warehouse_models.keys),
    group_name="publish",
    kinds={"duckdb"},
    description=(
        "The warehouse file BI tools read. Replaced atomically, and only after every dbt "
        "model and error-severity test of the run succeeded."
    ),
)
def published_warehouse(
    context: AssetExecutionContext, carteira: CarteiraResource
) -> MaterializeResult:
    settings = carteira.settings()
    acquire_refresh_lock(settings.warehouse_path)
    snapshot = publish_raw_snapshot(settings)
    path = publish(settings)
    context.log.info(f"published {path} (raw history snapshot {snapshot})")
    return MaterializeResult(
        metadata={
            "path": str(path),
            "as_of": settings.effective_as_of().isoformat(),
            "size_bytes": path.stat().st_size,
        }
    )
