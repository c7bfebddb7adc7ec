"""The published file: older DuckDB clients read it.

On the warehouse the real pipeline builds from generated data
(tests/data/reports_activity/generated.py). That repeated rewrites keep its size bounded
is tested with the full refreshes of tests/test_incremental_refresh.py. The older client
is the DuckDB 1.1.3 wheel, run by `uv run --no-project --with duckdb==1.1.3` in a
subprocess (uv fetches it from PyPI once and caches it): BI tools embed DuckDB 1.x
drivers, which cannot open a file with storage version v2.0.0+.
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

from tests.data.reports_activity.generated import generated_warehouse
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
