"""What an incremental day builds (carteira.refresh.plan), on a small hand-made dbt graph,
and the as_of tag on the real project's models (the plan relies on it)."""

from __future__ import annotations

import os
import re
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from carteira.refresh.plan import AS_OF_TAG, EVERY_BUILD_TAG, RawLoads, plan_build, raw_loads_since
from carteira.refresh.state import (
    BuildState,
    project_fingerprint,
    read_state,
    record_build,
    vars_fingerprint,
)
from orchestration.dbt_project import carteira_dbt_project, ensure_manifest, load_manifest


def _node(kind: str, name: str, parents: list[str] = (), tags: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "resource_type": kind,
        "name": name,
        "tags": list(tags),
        "depends_on": {"nodes": list(parents)},
        "checksum": {"name": "sha256", "checksum": name},
    }


# raw a -> stg_a -> fct_a -> report ; raw b -> stg_b -> fct_b (as_of) -> report
# seed labels -> dim_labels ; tests on stg_b, on fct_a, and one across fct_a and fct_b
MANIFEST: dict[str, Any] = {
    "metadata": {"dbt_version": "1.11"},
    "macros": {},
    "sources": {
        "source.p.s.a": {"name": "a", "identifier": "sys__a"},
        "source.p.s.b": {"name": "b", "identifier": "sys__b"},
    },
    "nodes": {
        "model.p.stg_a": _node("model", "stg_a", ["source.p.s.a"]),
        "model.p.stg_b": _node("model", "stg_b", ["source.p.s.b"]),
        "model.p.fct_a": _node("model", "fct_a", ["model.p.stg_a"]),
        "model.p.fct_b": _node("model", "fct_b", ["model.p.stg_b"], [AS_OF_TAG]),
        "model.p.report": _node("model", "report", ["model.p.fct_a", "model.p.fct_b"]),
        "seed.p.labels": _node("seed", "labels"),
        "model.p.dim_labels": _node("model", "dim_labels", ["seed.p.labels"]),
        "test.p.not_null_stg_b": _node("test", "not_null_stg_b", ["model.p.stg_b"]),
        "test.p.unique_fct_a": _node("test", "unique_fct_a", ["model.p.fct_a"]),
        "test.p.fct_a_in_fct_b": _node(
            "test", "fct_a_in_fct_b", ["model.p.fct_a", "model.p.fct_b"]
        ),
        "test.p.source_a": _node("test", "source_a", ["source.p.s.a"]),
    },
}
SEEDS = {"seed.p.labels": "v1"}
PREVIOUS = BuildState(
    as_of=date(2026, 3, 3),
    raw_extracts_after=False,
    project_fingerprint="project",
    vars_fingerprint="vars",
    seed_checksums=SEEDS,
    raw_loaded_through=datetime(2026, 3, 3, 6),
)


def _plan(previous: BuildState | None = PREVIOUS, **changes: Any):  # type: ignore[no-untyped-def]
    kwargs: dict[str, Any] = {
        "project_fingerprint": "project",
        "vars_fingerprint": "vars",
        "seed_checksums": SEEDS,
        "loads": RawLoads(frozenset(), datetime(2026, 3, 4, 6)),
        "full_refresh": False,
        "as_of": date(2026, 3, 4),  # the day after PREVIOUS's
    } | changes
    return plan_build(MANIFEST, previous, **kwargs)


def _names(uids: frozenset[str]) -> set[str]:
    return {uid.rsplit(".", 1)[1] for uid in uids}


def test_a_day_without_new_rows_builds_the_as_of_models_and_what_reads_them() -> None:
    plan = _plan()
    assert not plan.full
    assert _names(plan.build) == {"fct_b", "report"}
    assert _names(plan.carried_over) == {"stg_a", "stg_b", "fct_a", "labels", "dim_labels"}
    # a test runs when any parent is built: the cross-model test runs, stg_b's does not
    assert _names(plan.excluded_tests) == {"not_null_stg_b", "unique_fct_a", "source_a"}
    assert plan.carried_over_in_order(MANIFEST).index("seed.p.labels") < (
        plan.carried_over_in_order(MANIFEST).index("model.p.dim_labels")
    )


def test_the_same_day_again_without_new_rows_builds_nothing() -> None:
    plan = _plan(as_of=PREVIOUS.as_of)
    assert plan.nothing_to_build and not plan.build
    assert len(plan.carried_over) == 7
    assert _names(plan.excluded_tests) == {
        "not_null_stg_b",
        "unique_fct_a",
        "fct_a_in_fct_b",
        "source_a",
    }


def test_the_same_day_with_new_rows_builds_only_what_reads_them() -> None:
    plan = _plan(as_of=PREVIOUS.as_of, loads=RawLoads(frozenset({"sys__a"}), None))
    assert not plan.nothing_to_build
    assert _names(plan.build) == {"stg_a", "fct_a", "report"}  # fct_b: same date


def test_a_model_describing_the_build_is_rebuilt_whenever_anything_is_built() -> None:
    """bi.warehouse_status says when the build ran and which sources were late then: a
    source delivered late the same day must not stay named late once its rows are in."""
    manifest = {**MANIFEST, "nodes": dict(MANIFEST["nodes"])}
    manifest["nodes"]["model.p.status"] = _node("model", "status", [], [AS_OF_TAG, EVERY_BUILD_TAG])
    kwargs: dict[str, Any] = {
        "project_fingerprint": "project",
        "vars_fingerprint": "vars",
        "seed_checksums": SEEDS,
        "full_refresh": False,
        "as_of": PREVIOUS.as_of,
    }
    late_delivery = plan_build(
        manifest, PREVIOUS, loads=RawLoads(frozenset({"sys__a"}), None), **kwargs
    )
    assert _names(late_delivery.build) == {"stg_a", "fct_a", "report", "status"}
    nothing_new = plan_build(manifest, PREVIOUS, loads=RawLoads(frozenset(), None), **kwargs)
    assert nothing_new.nothing_to_build and not nothing_new.build


def test_new_rows_in_a_raw_table_build_everything_downstream_of_it() -> None:
    plan = _plan(loads=RawLoads(frozenset({"sys__a"}), datetime(2026, 3, 4, 6)))
    assert _names(plan.build) == {"stg_a", "fct_a", "fct_b", "report"}
    assert _names(plan.excluded_tests) == {"not_null_stg_b"}  # the source's test runs


def test_a_changed_seed_builds_what_reads_it() -> None:
    plan = _plan(seed_checksums={"seed.p.labels": "v2"})
    assert {"labels", "dim_labels"} <= _names(plan.build)


@pytest.mark.parametrize(
    ("previous", "changes", "reason"),
    [
        (None, {}, "no previous build state"),
        (PREVIOUS, {"full_refresh": True}, "full refresh"),
        (PREVIOUS, {"project_fingerprint": "edited"}, "the dbt project changed"),
        (PREVIOUS, {"vars_fingerprint": "other"}, "dbt vars changed"),
    ],
)
def test_everything_is_built_when_the_previous_state_cannot_be_trusted(
    previous: BuildState | None, changes: dict[str, Any], reason: str
) -> None:
    plan = _plan(previous, **changes)
    assert plan.full and reason in plan.reason
    assert not plan.carried_over and not plan.excluded_tests
    assert len(plan.build) == 7


def test_the_date_is_not_part_of_the_vars_fingerprint() -> None:
    base = {"as_of": "2026-03-03", "extracts_through": "2026-03-03", "business_timezone": "X"}
    moved = base | {"as_of": "2026-03-04", "extracts_through": "2026-03-04"}
    assert vars_fingerprint(base) == vars_fingerprint(moved)
    assert vars_fingerprint(base) != vars_fingerprint(base | {"cancellation_cutoff_hours": 3})


def test_the_state_round_trips_through_the_build_file(tmp_path: Path) -> None:
    build = tmp_path / "warehouse.duckdb.building"
    assert read_state(build) is None
    record_build(build, PREVIOUS)
    assert read_state(build) == PREVIOUS


def _manifest() -> dict[str, Any]:
    ensure_manifest()
    return load_manifest()


def test_an_edited_model_changes_the_project_fingerprint() -> None:
    manifest = _manifest()
    project_file = carteira_dbt_project.project_dir / "dbt_project.yml"
    before = project_fingerprint(manifest, project_file)
    uid = next(u for u, n in manifest["nodes"].items() if n["resource_type"] == "model")
    manifest["nodes"][uid]["raw_code"] += "\n-- edited"
    assert project_fingerprint(manifest, project_file) != before


# What makes a model depend on the date: the as_of var (directly or through the rule
# macro as_of_date()) or the database's idea of today. Staging reads extracts_through,
# but a new extract date always comes with new raw rows (carteira.refresh.state).
READS_THE_DATE = re.compile(
    r"as_of_date\(\)|var\(\s*['\"]as_of['\"]|current_date|now\(\)|current_timestamp"
)


def _date_macros(manifest: dict[str, Any]) -> set[str]:
    """The project's macros that read the date, directly or through another of them."""
    macros = {uid: m for uid, m in manifest["macros"].items() if m["package_name"] == "carteira"}
    found = {uid for uid, m in macros.items() if READS_THE_DATE.search(m["macro_sql"])}
    grew = True
    while grew:
        more = {
            uid
            for uid, m in macros.items()
            if uid not in found and set(m["depends_on"]["macros"]) & found
        }
        found |= more
        grew = bool(more)
    return found


def test_every_model_that_reads_the_date_is_tagged_as_of() -> None:
    manifest = _manifest()
    date_macros = _date_macros(manifest)
    assert "macro.carteira.as_of_date" in date_macros
    untagged, tagged_without_reason = [], []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        reads = bool(READS_THE_DATE.search(node["raw_code"])) or bool(
            set(node["depends_on"]["macros"]) & date_macros
        )
        tagged = AS_OF_TAG in node["tags"]
        if reads and not tagged:
            untagged.append(node["name"])
        if tagged and not reads:
            tagged_without_reason.append(node["name"])
    assert untagged == [], "models reading as_of must carry tags=['as_of'] in config()"
    assert tagged_without_reason == []


@pytest.mark.parametrize("file_name", ["raw.duckdb", "warehouse.raw.duckdb"])
def test_raw_loads_are_read_from_the_raw_rows_themselves(tmp_path: Path, file_name: str) -> None:
    """Tables whose rows were loaded after the last build, by any means (no manifest row
    needed), in a raw file whatever its catalog is called."""
    raw = tmp_path / file_name
    con = duckdb.connect(str(raw))
    (catalog,) = con.execute("select current_database()").fetchone()
    schema = f'"{catalog}".raw'  # the catalog itself may be called raw
    con.execute(f"create schema {schema}")
    con.execute(f"create table {schema}._manifest (loaded_at timestamp)")
    for table, loaded in (("sys__a", "2026-03-04 06:00"), ("sys__b", "2026-03-05 06:00")):
        con.execute(f"create table {schema}.{table} as select timestamp '{loaded}' as _loaded_at")
    con.execute(f"create table {schema}.sys__empty (_loaded_at timestamp)")
    con.close()
    everything = raw_loads_since(raw, None)
    assert everything == RawLoads(frozenset({"sys__a", "sys__b"}), datetime(2026, 3, 5, 6))
    later = raw_loads_since(raw, datetime(2026, 3, 4, 6))
    assert later == RawLoads(frozenset({"sys__b"}), datetime(2026, 3, 5, 6))
    assert raw_loads_since(tmp_path / "missing.duckdb", None) == RawLoads(frozenset(), None)


def test_the_manifest_is_fresh_only_when_no_project_file_is_newer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh with nothing to do plans from the manifest without parsing
    (carteira.refresh.unchanged), so it must tell a stale manifest from a fresh one."""
    from carteira.refresh import manifest

    assert carteira_dbt_project.manifest_path == manifest.MANIFEST_PATH  # one manifest
    copy = tmp_path / "manifest.json"
    monkeypatch.setattr(manifest, "MANIFEST_PATH", copy)
    assert not manifest.manifest_is_fresh()  # missing
    copy.write_text("{}")
    os.utime(copy, (0, 0))
    assert not manifest.manifest_is_fresh()  # older than the project's files
    later = time.time() + 3600
    os.utime(copy, (later, later))
    assert manifest.manifest_is_fresh()
