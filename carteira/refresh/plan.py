"""What dbt must build on a refresh: everything, or only what the day can change.

A refresh continues from the last published build (carteira.refresh.build_file), so a model whose
inputs did not change since then already holds the right rows and is carried over as it
is (the published file is an export of the whole build). On an incremental day dbt
builds only:

- the models downstream of the raw tables that received rows since the last build
  (``raw._manifest``: rows_loaded > 0, loaded_at after the recorded
  ``raw_loaded_through``, so the loads of a failed refresh are built by the next one);
- the models tagged ``as_of`` (they read var('as_of'): statuses, balances, "today")
  and everything downstream of them, when the date moved since the last build;
- the seeds whose file changed, and everything downstream of them;
- when any of those is built, the models tagged ``every_build`` (they describe the build);

and the data tests of those models (a test whose every parent was carried over would
give the answer it gave when that state was published). A refresh for the same date with
no new rows and nothing changed therefore builds nothing (`BuildPlan.nothing_to_build`):
the published warehouse already is its result. It builds everything when
there is no usable previous state, when the dbt project or a var other than the date
changed since that state was built (``carteira.refresh.state``), or on a full refresh.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from carteira.ingestion import raw_schema
from carteira.refresh.manifest import DBT_PROJECT_FILE
from carteira.refresh.state import (
    BuildState,
    project_fingerprint,
    read_state,
    seed_checksums,
    vars_fingerprint,
)
from carteira.settings import Settings

# The tag a model carries when it reads var('as_of') (directly or through a rule macro
# such as as_of_date()): rebuilt every day with everything downstream of it.
AS_OF_TAG = "as_of"
# The tag of a model that describes the build itself (bi.warehouse_status: when it ran,
# which sources were late then): rebuilt whenever anything is built, since what it says
# changes with every build even when none of its inputs is a raw table.
EVERY_BUILD_TAG = "every_build"

# Node types dbt builds (and Dagster shows as assets); tests are planned with them.
BUILT_TYPES = frozenset({"model", "seed", "snapshot"})


@dataclass(frozen=True)
class RawLoads:
    """The raw tables that received rows after a point, and the newest load overall."""

    tables: frozenset[str]  # source identifiers, e.g. "erp__payments"
    loaded_through: datetime | None


def raw_loads_since(raw_path: Path, since: datetime | None) -> RawLoads:
    """Raw tables with rows loaded after ``since`` (all loaded tables when None).

    Read from the raw tables' own ``_loaded_at``, not from the manifest: the rows are
    what the models read, so a row that reached the raw layer any other way (a repair by
    hand, a test) is seen too. One aggregate per table over one column: ~0.1 s at large.
    """
    if not raw_path.exists():
        return RawLoads(frozenset(), None)
    con = duckdb.connect(str(raw_path), read_only=True)
    try:
        schema = raw_schema(con)
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_columns() where database_name = "
                "current_database() and schema_name = 'raw' and column_name = '_loaded_at' "
                "order by 1"
            ).fetchall()
        ]
        if not tables:
            return RawLoads(frozenset(), None)
        newest = con.execute(
            " union all ".join(
                f"select '{name}' as name, max(_loaded_at) as newest from {schema}.\"{name}\""
                for name in tables
            )
        ).fetchall()
        loaded = [(name, at) for name, at in newest if at is not None]
        through = max((at for _, at in loaded), default=None)
        touched = frozenset(name for name, at in loaded if since is None or at > since)
        return RawLoads(touched, through)
    except duckdb.CatalogException:
        return RawLoads(frozenset(), None)
    finally:
        con.close()


@dataclass(frozen=True)
class BuildPlan:
    """A full build (``reason`` says why), or the nodes an incremental day builds."""

    full: bool
    reason: str
    build: frozenset[str]  # unique ids of the models/seeds dbt builds
    carried_over: frozenset[str]  # unique ids of the models/seeds kept as they are
    excluded_tests: frozenset[str]  # unique ids of tests whose every parent is kept

    @property
    def nothing_to_build(self) -> bool:
        """Whether every model and seed is carried over (tests too: none of their parents
        changed), so the published warehouse is already this build's result."""
        return not self.full and not self.build

    def exclude_names(self, manifest: Mapping[str, Any]) -> list[str]:
        """The nodes to pass to ``dbt build --exclude`` (with ``--indirect-selection
        empty``, so excluding a model does not also drop the tests of a model that is
        built and references it)."""
        names = (manifest["nodes"][uid]["name"] for uid in self.carried_over | self.excluded_tests)
        return sorted(names)

    def carried_over_in_order(self, manifest: Mapping[str, Any]) -> list[str]:
        """The carried-over nodes, each after its parents (ties by unique id)."""
        nodes, order, placed = manifest["nodes"], [], set()
        pending = sorted(self.carried_over)
        while pending:
            ready = [
                uid
                for uid in pending
                if not set(nodes[uid].get("depends_on", {}).get("nodes", []))
                & (self.carried_over - placed)
            ]
            if not ready:
                raise ValueError(f"dependency cycle among {pending}")
            order += ready
            placed |= set(ready)
            pending = [uid for uid in pending if uid not in placed]
        return order


def _children(manifest: Mapping[str, Any]) -> dict[str, set[str]]:
    children: dict[str, set[str]] = {}
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] in BUILT_TYPES:
            for parent in node.get("depends_on", {}).get("nodes", []):
                children.setdefault(parent, set()).add(uid)
    return children


def _downstream(roots: Iterable[str], children: Mapping[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def _full(manifest: Mapping[str, Any], reason: str) -> BuildPlan:
    built = frozenset(
        uid for uid, n in manifest["nodes"].items() if n["resource_type"] in BUILT_TYPES
    )
    return BuildPlan(True, reason, built, frozenset(), frozenset())


def plan_build(
    manifest: Mapping[str, Any],
    previous: BuildState | None,
    *,
    project_fingerprint: str,
    vars_fingerprint: str,
    seed_checksums: Mapping[str, str],
    loads: RawLoads,
    full_refresh: bool,
    as_of: date,
) -> BuildPlan:
    """Decide what this refresh builds (see the module docstring)."""
    if full_refresh:
        return _full(manifest, "full refresh")
    if previous is None or previous.raw_loaded_through is None:
        return _full(manifest, "no previous build state")
    if previous.project_fingerprint != project_fingerprint:
        return _full(manifest, "the dbt project changed since the last build")
    if previous.vars_fingerprint != vars_fingerprint:
        return _full(manifest, "dbt vars changed since the last build")

    nodes = manifest["nodes"]
    children = _children(manifest)
    roots = {
        uid
        for uid, src in manifest["sources"].items()
        if (src.get("identifier") or src["name"]) in loads.tables
    }
    if as_of != previous.as_of:
        roots |= {
            uid
            for uid, node in nodes.items()
            if node["resource_type"] == "model" and AS_OF_TAG in node.get("tags", [])
        }
    changed_seeds = {
        uid for uid, sha in seed_checksums.items() if previous.seed_checksums.get(uid) != sha
    }
    roots |= changed_seeds
    build = (_downstream(roots, children) | roots) & {
        uid for uid, n in nodes.items() if n["resource_type"] in BUILT_TYPES
    }
    if build:
        build |= {
            uid
            for uid, node in nodes.items()
            if node["resource_type"] == "model" and EVERY_BUILD_TAG in node.get("tags", [])
        }
    carried = {
        uid for uid, n in nodes.items() if n["resource_type"] in BUILT_TYPES and uid not in build
    }
    # a test runs when one of its parents changed: a built node or a source with new rows
    changed = build | {uid for uid in roots if uid.startswith("source.")}
    excluded_tests = {
        uid
        for uid, n in nodes.items()
        if n["resource_type"] == "test" and not set(n["depends_on"].get("nodes", [])) & changed
    }
    return BuildPlan(
        False,
        f"{len(loads.tables)} raw table(s) with new rows, {len(changed_seeds)} changed seed(s)",
        frozenset(build),
        frozenset(carried),
        frozenset(excluded_tests),
    )


def plan_for(
    settings: Settings, manifest: Mapping[str, Any], *, full_refresh: bool
) -> tuple[BuildPlan, BuildState]:
    """What a refresh with these settings must build now, and the state to record once
    that build succeeded (read from the published warehouse and the raw file)."""
    previous = read_state(settings.warehouse_path)
    loads = raw_loads_since(settings.raw_path, previous.raw_loaded_through if previous else None)
    state = BuildState(
        as_of=settings.effective_as_of(),
        raw_extracts_after=False,  # known after the build (raw_extracts_after)
        project_fingerprint=project_fingerprint(manifest, DBT_PROJECT_FILE),
        # the raw file too: raw_loaded_through only means something for the same file
        vars_fingerprint=vars_fingerprint(
            {**settings.dbt_vars(), "carteira_raw_path": str(settings.raw_path.resolve())}
        ),
        seed_checksums=seed_checksums(manifest),
        raw_loaded_through=loads.loaded_through,
    )
    plan = plan_build(
        manifest,
        previous,
        project_fingerprint=state.project_fingerprint or "",
        vars_fingerprint=state.vars_fingerprint or "",
        seed_checksums=state.seed_checksums,
        loads=loads,
        full_refresh=full_refresh,
        as_of=state.as_of,
    )
    return plan, state
