"""Warehouse: the dbt project as assets, and the publish step that swaps the new file in.

dbt builds into a private copy of the published warehouse (see `carteira.refresh.build_file`); its
tests run as Dagster asset checks; an error-severity failure fails the dbt step, so the
publish step never runs and readers keep the previous warehouse.
"""

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
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
from carteira.dagster_internals import quiet_unreported_checks
from carteira.operations.freshness import dbt_freshness_env
from carteira.refresh.build_file import discard_build
from carteira.refresh.lock import acquire_refresh_lock
from carteira.refresh.plan import BuildPlan, plan_for
from carteira.refresh.publish import (
    keep_published,
    nothing_built,
    prepare_build,
    publish_with_raw_snapshot,
    recover_interrupted_publish,
)
from carteira.refresh.state import built_past, raw_extracts_after, record_build
from orchestration.dbt_project import carteira_dbt_project, ensure_manifest, load_manifest
from orchestration.resources import CarteiraResource

ensure_manifest()

# The tests of carried-over models do not run, by design: one Dagster warning each.
quiet_unreported_checks()


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
        # The plan is read from the published warehouse (the build starts as its copy, so
        # it records the same state) before any build file exists: a refresh that has
        # nothing to build then leaves every file as it is.
        recover_interrupted_publish(settings)
        # The incremental staging models continue from the published state; a state built
        # from extracts later than as_of (an earlier --as-of) must not be continued.
        args = list(DBT_BUILD_ARGS)
        full_refresh = settings.full_refresh or built_past(settings.warehouse_path, as_of)
        if full_refresh:
            progress.emit(
                "full refresh asked for"
                if settings.full_refresh
                else f"published warehouse holds extracts after {as_of}: full refresh"
            )
        manifest = load_manifest()
        # A run of some models only (picked in the Dagster UI) builds what was picked,
        # and leaves a state the next refresh will not trust (it builds everything).
        every_model = set(context.assets_def.node_keys_by_output_name.values())
        subset = set(context.selected_asset_keys) != every_model
        plan, state = plan_for(settings, manifest, full_refresh=full_refresh or subset)
        if subset:
            plan = replace(plan, reason="a subset of the models was selected")
            state = replace(state, raw_loaded_through=None)
        else:
            args += _selection_args(plan, manifest)
        if plan.nothing_to_build:
            # Same date, no new rows, nothing changed: no build file, no dbt, and
            # `published_warehouse` keeps the published file byte for byte. A build file
            # left by a killed run is removed, so it can never be published.
            discard_build(settings)
            progress.emit(_plan_line(plan))
            yield from _carried_over(context, plan, manifest)
            return
        prepare_build(settings)
        # Building everything (asked for, or because the project, the vars or the state
        # changed) rebuilds the incremental models too: a model whose columns changed is
        # rebuilt instead of failing (on_schema_change='fail'), and a var the staging or
        # row_diff models read (business_timezone) reaches their stored rows.
        if full_refresh or (plan.full and not subset):
            args.append("--full-refresh")
        dbt_vars, daily_env = settings.refresh_dbt_vars()
        context.log.info(f"dbt builds into {settings.build_path} with vars {settings.dbt_vars()}")
        progress.emit(f"dbt build into {settings.build_path.name} (as_of {as_of})")
        progress.emit(_plan_line(plan))
        # Before dbt's own events: Dagster wants a multi-asset's outputs in dependency
        # order, and every ancestor of a carried-over model is carried over too.
        yield from _carried_over(context, plan, manifest)
        # profiles.yml and macros/daily_var.sql read the environment; dagster-dbt gives the
        # dbt process a copy of os.environ when it starts it, so set it just for that.
        freshness = dbt_freshness_env(
            settings.raw_path,
            now=datetime.now(UTC),
            timezone=settings.business_timezone,
            as_of=as_of,
        )
        with _environment({**settings.dbt_env(), **daily_env, **freshness}):
            invocation = dbt.cli(
                args + ["--vars", json.dumps(dbt_vars, sort_keys=True)],
                context=context,
                target_path=settings.dbt_target_path,
            )
        with progress.dbt_log():
            yield from invocation.stream()
        record_build(
            settings.build_path,
            replace(state, raw_extracts_after=raw_extracts_after(settings.raw_path, as_of)),
        )
    except BaseException:
        discard_build(settings)
        raise


def _selection_args(plan: BuildPlan, manifest: Mapping[str, Any]) -> list[str]:
    """dbt arguments that leave out what the plan carries over (none for a full build).

    dagster-dbt selects ``fqn:*`` (every node, tests included, directly); with indirect
    selection off, ``--exclude`` drops exactly the named nodes and no test of a model
    that is built.
    """
    names = plan.exclude_names(manifest)
    if plan.full or not names:
        return []
    return ["--indirect-selection", "empty", "--exclude", " ".join(names)]


def _plan_line(plan: BuildPlan) -> str:
    if plan.full:
        return f"dbt builds every model ({plan.reason})"
    if plan.nothing_to_build:
        return (
            f"nothing to build: same as_of as the published warehouse and {plan.reason}; "
            "it is kept as it is"
        )
    return (
        f"dbt builds {len(plan.build)} of {len(plan.build) + len(plan.carried_over)} "
        f"models ({plan.reason}); the others are carried over unchanged"
    )


def _carried_over(
    context: AssetExecutionContext, plan: BuildPlan, manifest: Mapping[str, Any]
) -> Iterator[MaterializeResult]:
    """A materialization for every model the plan carried over.

    Their tables are in this run's build as the last build left them (nothing they read
    changed) and are published with it; `published_warehouse` waits for every model's
    asset, so each must report, saying it was carried over.
    """
    selected = context.selected_asset_keys
    for uid in plan.carried_over_in_order(manifest):
        key = translator.get_asset_key(manifest["nodes"][uid])
        if key in selected:
            yield MaterializeResult(
                asset_key=key,
                metadata={"carried_over": True, "reason": "nothing it reads changed"},
            )


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
    kept = nothing_built(settings)
    path, snapshot = keep_published(settings) if kept else publish_with_raw_snapshot(settings)
    context.log.info(f"{'kept' if kept else 'published'} {path} (raw history snapshot {snapshot})")
    return MaterializeResult(
        metadata={
            "path": str(path),
            "as_of": settings.effective_as_of().isoformat(),
            "size_bytes": path.stat().st_size,
            "unchanged": kept,
        }
    )
