"""The dbt project as Dagster sees it, with a manifest that is never stale."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from dagster_dbt import DbtProject

from carteira.settings import DBT_PROJECT_DIR, REPO_ROOT

carteira_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

_SOURCES = (
    REPO_ROOT / "models",
    REPO_ROOT / "seeds",
    DBT_PROJECT_DIR / "macros",
    DBT_PROJECT_DIR / "tests",
)


def _newest_source_mtime() -> float:
    newest = (DBT_PROJECT_DIR / "dbt_project.yml").stat().st_mtime
    for root in _SOURCES:
        if root.exists():
            for path in root.rglob("*"):
                if path.is_file():
                    newest = max(newest, path.stat().st_mtime)
    return newest


def ensure_manifest() -> Path:
    """Run `dbt parse` when the manifest is missing or older than any dbt source file.

    `@dbt_assets` reads the manifest at import; regenerating it here means the CLI, the
    tests and `dagster dev` never build from a stale graph, at the cost of one parse when
    a model changed.
    """
    manifest = carteira_dbt_project.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime():
        return manifest
    from dbt.cli.main import dbtRunner

    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    result = dbtRunner().invoke(
        [
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--quiet",
        ]
    )
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    return manifest


def load_manifest() -> dict[str, Any]:
    """The parsed manifest the assets are defined from (kept fresh by ensure_manifest)."""
    return json.loads(carteira_dbt_project.manifest_path.read_text(encoding="utf-8"))
