"""`carteira dbt ...`: run dbt by hand against a development copy of the warehouse.

A data engineer changing models wants `dbt build -s my_model` right after `carteira demo`
without knowing which environment variables `dbt_project/profiles.yml` reads. This module
takes every path from `Settings.from_env()` (the demo's, out of the box) and runs dbt with:

- the project and profiles from `dbt_project/`, whatever the current directory;
- the build going to `<warehouse>.dev.duckdb` beside the published file: a copy of it,
  made when missing or older than the published file, so `-s my_model` finds every
  upstream relation; the published file is only ever read (the copy is a file copy).
  With no published file yet (`carteira refresh --raw-only`) the dev file starts empty;
- the demo's raw layer attached read-only, exactly as a refresh attaches it;
- the vars of the published warehouse (its `as_of`, the extracts read through that day),
  so the dev copy describes the same day as what the reports show;
- its own target folder (`dbt_project/target/dev`), so partial parsing is kept between
  runs and never invalidated by a refresh;
- cautious indirect selection: a selected model's own tests run, tests that also read
  unselected models wait for the refresh.

A missing or stale demo stops with one line that says what to run, before dbt starts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import duckdb

from carteira.contract import TABLES
from carteira.reports.engine import ReportError, warehouse_as_of
from carteira.settings import DBT_PROJECT_DIR, Settings, dbt_file_env

DEV_TARGET_DIR = DBT_PROJECT_DIR / "target" / "dev"
RUN_DEMO = "run `uv run carteira demo` first"


class DevEnvironmentError(Exception):
    """The development environment cannot be prepared; the message says what to run."""


@dataclass(frozen=True)
class DevPaths:
    published: Path
    raw: Path
    dev: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> DevPaths:
        published = Path(settings.warehouse_path)
        return cls(
            published=published,
            raw=Path(settings.raw_path),
            dev=published.with_name(f"{published.stem}.dev.duckdb"),
        )


def check_raw_layer(raw_path: Path, update_command: str) -> None:
    """Fail with one line when the raw layer is missing or older than the contract."""
    if not raw_path.exists():
        raise DevEnvironmentError(f"no raw layer at {raw_path}: {RUN_DEMO}")
    try:
        con = duckdb.connect(str(raw_path), read_only=True)
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        if "lock" in first.lower():
            raise DevEnvironmentError(
                f"the raw layer {raw_path} is in use by another process (a refresh?): "
                "run the command again when it has finished"
            ) from exc
        raise DevEnvironmentError(
            f"cannot open the raw layer {raw_path} ({first}): {RUN_DEMO}"
        ) from exc
    try:
        rows = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'raw'"
        ).fetchall()
    finally:
        con.close()
    present: dict[str, set[str]] = {}
    for table_name, column_name in rows:
        present.setdefault(table_name, set()).add(column_name)
    for table in TABLES:
        columns = present.get(table.fqn)
        missing = (
            "is missing"
            if columns is None
            else next(
                (f"has no column {c}" for c in table.column_names if c not in columns),
                None,
            )
        )
        if missing:
            raise DevEnvironmentError(
                f"the raw layer {raw_path} is older than carteira/contract.py "
                f"(raw.{table.fqn} {missing}): run `{update_command}` to add it "
                "(or `uv run carteira demo` for a new demo)"
            )


def prepare_dev_copy(paths: DevPaths) -> str | None:
    """Copy the published warehouse to the dev file when missing or older; say so."""
    if not paths.published.exists():
        if paths.dev.exists():
            return None
        return (
            f"no published warehouse at {paths.published}: the dev warehouse {paths.dev} "
            "starts empty (build a model's parents too: -s +my_model)"
        )
    if paths.dev.exists() and paths.dev.stat().st_mtime >= paths.published.stat().st_mtime:
        return None
    partial = paths.dev.with_name(paths.dev.name + ".copying")
    shutil.copyfile(paths.published, partial)
    os.replace(partial, paths.dev)
    paths.dev.with_name(paths.dev.name + ".wal").unlink(missing_ok=True)
    return f"dev warehouse {paths.dev} copied from {paths.published}"


def built_as_of(path: Path) -> str | None:
    """The as_of of a built warehouse (`engine.warehouse_as_of`), or None if it has none yet."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return warehouse_as_of(con).isoformat()
    except (duckdb.Error, ReportError):
        return None


def _split_vars(dbt_args: list[str]) -> tuple[list[str], dict[str, object]]:
    """Take a user's `--vars` out of the arguments, to merge it over ours."""
    import yaml

    rest: list[str] = []
    user: dict[str, object] = {}
    args = iter(dbt_args)
    for arg in args:
        if arg == "--vars":
            user.update(yaml.safe_load(next(args, "{}")) or {})
        elif arg.startswith("--vars="):
            user.update(yaml.safe_load(arg.split("=", 1)[1]) or {})
        else:
            rest.append(arg)
    return rest, user


def dev_dbt_vars(
    settings: Settings, paths: DevPaths, user_vars: dict[str, object]
) -> dict[str, object]:
    """The vars of a dev build: the published warehouse's day, and the user's `--vars`.

    The day is the published warehouse's as_of unless the settings or the user's `--vars`
    name one, and the extracts are read through that same day, as the refresh that built
    it read them. It stays in --vars (a refresh passes it in the environment instead):
    `-s my_model` runs my_model's unit tests, whose `overrides: vars:` the environment
    would shadow. dbt parses again only when the day changes.
    """
    if settings.as_of is None:
        published_as_of = built_as_of(paths.dev)
        if published_as_of:
            settings = replace(settings, as_of=date.fromisoformat(published_as_of))
    user_vars = dict(user_vars)
    if "as_of" in user_vars:
        user_vars.setdefault("extracts_through", user_vars["as_of"])
    return {**settings.dbt_vars(), **user_vars}


def dev_dbt_invocation(
    settings: Settings, paths: DevPaths, dbt_args: list[str]
) -> tuple[list[str], dict[str, str]]:
    """The dbt command line and its environment: the user's arguments, our project,
    profiles and vars, the dev copy and the raw layer."""
    rest, user_vars = _split_vars(dbt_args)
    executable = Path(sys.executable).with_name("dbt")
    dbt = str(executable) if executable.exists() else (shutil.which("dbt") or "dbt")
    env = dbt_environment(settings, paths)
    if not rest or rest[0] in ("--help", "-h", "--version"):
        return [dbt, *rest], env
    dbt_vars = dev_dbt_vars(settings, paths, user_vars)
    command = [
        dbt,
        *rest,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--vars",
        json.dumps(dbt_vars, sort_keys=True),
    ]
    return command, env


def dbt_environment(settings: Settings, paths: DevPaths) -> dict[str, str]:
    env = dict(os.environ)
    env.update(settings.dbt_env())
    env.update(dbt_file_env(paths.dev, paths.raw))
    env["DBT_TARGET_PATH"] = str(DEV_TARGET_DIR)
    env.setdefault("DBT_LOG_PATH", str(DEV_TARGET_DIR / "logs"))
    # `-s my_model` runs my_model's own tests, not the reconciliation tests that also
    # read other models (a refresh runs those); `--indirect-selection eager` restores them.
    env.setdefault("DBT_INDIRECT_SELECTION", "cautious")
    return env


def run_dev_dbt(dbt_args: list[str], settings: Settings | None = None) -> int:
    """Prepare the dev copy and run dbt; dbt's exit code, or 3 when it could not run."""
    settings = settings or Settings.from_env()
    paths = DevPaths.from_settings(settings)
    try:
        check_raw_layer(
            paths.raw,
            f"uv run carteira refresh --raw-only --landing {settings.landing_dir} "
            f"--warehouse {paths.published}",
        )
        note = prepare_dev_copy(paths)
    except DevEnvironmentError as exc:
        print(f"carteira dbt: {exc}", file=sys.stderr)
        return 3
    if note:
        print(note, file=sys.stderr)
    command, env = dev_dbt_invocation(settings, paths, dbt_args)
    return subprocess.run(command, env=env, check=False).returncode
