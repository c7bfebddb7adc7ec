"""The dbt-duckdb plugin that opens a build's two files: the build itself and the raw layer.

dbt keeps its parsed project (`partial_parse.msgpack`) only while the profile's connection
values stay the same, and those values used to hold the build's and the raw layer's paths:
every new warehouse path (a new business, each test's warehouse, `carteira demo` in a new
home) paid a whole parse (~14 s of CPU) instead of reusing the one `dbt parse` wrote.
`dbt_project/profiles.yml` therefore names no path: it connects to `:memory:` and lists
this plugin, which attaches the files named by CARTEIRA_BUILD_PATH and CARTEIRA_RAW_PATH
when dbt opens its connection, before dbt's own `ATTACH IF NOT EXISTS` of the profile's
placeholders (which then do nothing). The catalog keeps its name
(`carteira.settings.build_catalog`, in CARTEIRA_BUILD_CATALOG): the first part of the
warehouse's file name, as DuckDB names a file it opens, so a view of the published file
resolves when a BI tool opens it under that name.

A placeholder names a folder that does not exist, so a dbt run without the plugin fails
to attach instead of building somewhere unexpected.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from carteira.refresh.build_file import spill_dir
from carteira.settings import build_catalog

BUILD_PATH_ENV = "CARTEIRA_BUILD_PATH"
BUILD_CATALOG_ENV = "CARTEIRA_BUILD_CATALOG"
RAW_PATH_ENV = "CARTEIRA_RAW_PATH"
TEMP_DIRECTORY_ENV = "CARTEIRA_DUCKDB_TEMP_DIRECTORY"
# the alias dbt_project/profiles.yml and the sources (var raw_database) give the raw layer
RAW_CATALOG = "raw_db"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def attach_statements(environ: Mapping[str, str], database: str) -> list[str]:
    """The statements that open a build's files, from the environment dbt was started with.

    `database` is the profile's catalog: a build file that DuckDB would name otherwise is
    refused, since the parsed models name that catalog.
    """
    missing = [name for name in (BUILD_PATH_ENV, RAW_PATH_ENV) if not environ.get(name)]
    if missing:
        raise RuntimeError(
            f"dbt needs {' and '.join(missing)} (the build file and the raw layer): "
            "run it through `carteira refresh` or `carteira dbt`, which set them"
        )
    build = environ[BUILD_PATH_ENV]
    if build_catalog(build) != database:
        raise RuntimeError(
            f"{BUILD_PATH_ENV}={build} opens as catalog {build_catalog(build)!r} but the "
            f"profile builds into {database!r}: set {BUILD_CATALOG_ENV} with it "
            "(carteira.settings.dbt_file_env)"
        )
    temp = environ.get(TEMP_DIRECTORY_ENV) or str(spill_dir(Path(build)))
    return [
        f"ATTACH {_quoted(build)} AS {_identifier(database)}",
        f"ATTACH {_quoted(environ[RAW_PATH_ENV])} AS {RAW_CATALOG} (READ_ONLY)",
        # operators that outgrow memory_limit spill here instead of failing
        f"SET temp_directory = {_quoted(temp)}",
    ]


class Plugin(BasePlugin):
    """Attaches the build and raw files named in the environment (module docstring)."""

    def configure_connection(self, conn: Any) -> None:
        # read when dbt connects, not when it loads the profile: `dbt parse` needs no file
        for statement in attach_statements(os.environ, self._database()):
            conn.execute(statement)
        self.configure_cursor(conn)

    def configure_cursor(self, cursor: Any) -> None:
        # each cursor is a connection of its own, whose current catalog starts as `memory`
        cursor.execute(f"USE {_identifier(self._database())}")

    def _database(self) -> str:
        if self.creds is None:
            raise RuntimeError("the build files plugin needs the profile's credentials")
        return self.creds.database
