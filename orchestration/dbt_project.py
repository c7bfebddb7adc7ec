"""The dbt project as Dagster sees it, with a manifest that is never stale."""

from __future__ import annotations

import os
from pathlib import Path

from dagster_dbt import DbtProject

from carteira.refresh.manifest import MANIFEST_PATH, TARGET_DIR, load_manifest, manifest_is_fresh
from carteira.settings import DBT_PROJECT_DIR

carteira_dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=TARGET_DIR
)
__all__ = ["carteira_dbt_project", "ensure_manifest", "load_manifest"]


def ensure_manifest() -> Path:
    """Run `dbt parse` when the manifest is missing or older than any dbt source file.

    `@dbt_assets` reads the manifest at import; regenerating it here means the CLI, the
    tests and `dagster dev` never build from a stale graph, at the cost of one parse when
    a model changed.
    """
    if manifest_is_fresh():
        return MANIFEST_PATH
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
    return MANIFEST_PATH
