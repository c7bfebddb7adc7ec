"""Where the refresh finds dbt's parsed manifest, and whether it is older than the project.

The Dagster assets are defined from this manifest (orchestration.dbt_project regenerates
it when stale); a refresh with nothing to do (carteira.refresh.unchanged) plans from the
same file without loading Dagster, and only while it is fresh.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from carteira.settings import DBT_PROJECT_DIR, REPO_ROOT

# relative to the dbt project, as dbt and dagster-dbt take it
TARGET_DIR = Path("target")
MANIFEST_PATH = DBT_PROJECT_DIR / TARGET_DIR / "manifest.json"
DBT_PROJECT_FILE = DBT_PROJECT_DIR / "dbt_project.yml"
# dbt reuses a parse only for the same profile (carteira/refresh/dbt_connection.py)
PROFILES_FILE = DBT_PROJECT_DIR / "profiles.yml"

_SOURCES = (
    REPO_ROOT / "models",
    REPO_ROOT / "seeds",
    DBT_PROJECT_DIR / "macros",
    DBT_PROJECT_DIR / "tests",
)


def _newest_source_mtime() -> float:
    newest = max(DBT_PROJECT_FILE.stat().st_mtime, PROFILES_FILE.stat().st_mtime)
    for root in _SOURCES:
        if root.exists():
            for path in root.rglob("*"):
                if path.is_file():
                    newest = max(newest, path.stat().st_mtime)
    return newest


def manifest_is_fresh() -> bool:
    """Whether the manifest exists and is no older than any dbt source file."""
    return MANIFEST_PATH.exists() and MANIFEST_PATH.stat().st_mtime >= _newest_source_mtime()


def load_manifest() -> dict[str, Any]:
    """The parsed manifest the assets are defined from."""
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
