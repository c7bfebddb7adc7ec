"""The published file: older DuckDB clients read it, and no-op refreshes keep its size bounded.

Both on the warehouse the real pipeline builds from generated data
(tests/data/reports_activity/generated.py). The older client is the DuckDB 1.1.3 wheel,
run by `uv run --no-project --with duckdb==1.1.3` in a subprocess (uv fetches it from
PyPI once and caches it): BI tools embed DuckDB 1.x drivers, which cannot open a file
with storage version v2.0.0+.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import duckdb
import pytest

from tests.data.reports_activity.generated import AS_OF, generated_warehouse
from tests.helpers.shared import shared_root

OLD_DUCKDB = "1.1.3"

# Every table and view a BI tool reads (the served schemas), for both DuckDB versions.
SERVED_RELATIONS = (
    "select schema_name, table_name from duckdb_tables() "
    "where schema_name in ('marts', 'bi') "
    "union all select schema_name, view_name from duckdb_views() "
    "where schema_name in ('marts', 'bi') order by 1, 2"
)

READ_EVERY_RELATION = textwrap.dedent(
    f"""
    import json, sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    relations = con.execute({SERVED_RELATIONS!r}).fetchall()
    counts = {{}}
    for schema, table in relations:
        rows = con.execute(f'select * from "{{schema}}"."{{table}}"').fetchall()
        counts[f"{{schema}}.{{table}}"] = len(rows)
    print(json.dumps({{"version": duckdb.__version__, "counts": counts}}))
    """
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_warehouse(shared_root(tmp_path_factory))


def _counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        relations = con.execute(SERVED_RELATIONS).fetchall()
        return {
            f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0]
            for s, t in relations
        }


def _used_bytes(path: Path) -> int:
    """Bytes of the file's blocks in use (free blocks left out)."""
    with duckdb.connect(str(path), read_only=True) as con:
        block_size, used = con.execute(
            "select block_size, used_blocks from pragma_database_size()"
        ).fetchone()
    return block_size * used


def test_an_older_duckdb_reads_every_relation_of_marts_and_bi(warehouse: Path) -> None:
    uv = os.environ.get("UV") or shutil.which("uv")  # `uv run` names itself in $UV
    assert uv, "uv is needed to run an older DuckDB wheel (pip install uv)"
    proc = subprocess.run(
        [
            uv,
            "run",
            "--quiet",
            "--no-project",
            "--with",
            f"duckdb=={OLD_DUCKDB}",
            "python",
            "-c",
            READ_EVERY_RELATION,
            str(warehouse),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["version"] == OLD_DUCKDB
    expected = _counts(warehouse)
    assert any(name.startswith("bi.") for name in expected)
    assert any(name.startswith("marts.") for name in expected)
    assert seen["counts"] == expected


def test_refreshes_without_new_extracts_keep_the_file_size_bounded(
    warehouse: Path, tmp_path: Path
) -> None:
    """Publishing copies the build, free blocks included, and compacts past MAX_FREE_SHARE:
    repeated builds with nothing new reuse the free blocks instead of growing the file,
    and an older client still reads every relation with the same rows. Asked for as full
    refreshes: a plain refresh with nothing new builds and publishes nothing (its file
    stays the same file), so only a build that rewrites every model shows the growth."""
    from dataclasses import replace

    from carteira.refresh.build_file import MAX_FREE_SHARE
    from carteira.settings import Settings
    from orchestration.run import run_refresh

    copy = tmp_path / "copy"
    shutil.copytree(warehouse.parent, copy)
    settings = Settings.for_warehouse(copy / "landing", copy / warehouse.name, as_of=AS_OF)
    before = settings.warehouse_path.stat().st_size
    counts = _counts(settings.warehouse_path)
    sizes = []
    for _ in range(2):  # the first starts from a copy (new inode), the second from the work file
        outcome = run_refresh(replace(settings, full_refresh=True))
        assert outcome.published and outcome.models_built > 0, outcome.summary_lines()
        sizes.append(settings.warehouse_path.stat().st_size)
        if len(sizes) == 1:
            used_bytes = _used_bytes(settings.warehouse_path)
    assert max(sizes) <= before / (1 - MAX_FREE_SHARE), (before, sizes)
    # Free blocks are reused: the second build rewrote every table, as many bytes as the
    # file holds in use; written past the end of the file, it would have grown by as much.
    assert sizes[1] - sizes[0] < 0.5 * used_bytes, (before, sizes, used_bytes)
    assert _counts(settings.warehouse_path) == counts
