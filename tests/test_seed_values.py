"""A bad value in a seed business users edit is named before any model reads it.

`seeds/alert_thresholds.csv` holds numbers as text (so 3 and 2.0 print as written);
the alert rule models cast them to numbers. A value that is not a number would surface
there as a conversion error. The seed's `json_number` test fails first, in `dbt build`
order, with one message naming the seed file, the row and the column; the rule models
and client_alerts are skipped; the refresh's summary (carteira.refresh.dbt_failures) prints
that message.

dbt runs on a copy of the project whose seed has the bad value (the repository's seeds
are never edited; one copy per module, its seed rewritten per case), against an empty
warehouse: only the seeds, the alert models and client_alerts are selected.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from carteira.refresh.dbt_failures import DBT_ERRORS_MARKER, failed_nodes
from carteira.settings import DBT_PROJECT_DIR, REPO_ROOT, dbt_file_env, dbt_file_log_env


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the dbt project for the module: its target folder, and so dbt's partial
    parse, is kept from case to case (only the edited seed is parsed again)."""
    root = tmp_path_factory.mktemp("seed_values") / "repo"
    shutil.copytree(
        DBT_PROJECT_DIR, root / "dbt_project", ignore=shutil.ignore_patterns("target", "logs")
    )
    shutil.copytree(REPO_ROOT / "models", root / "models")
    shutil.copytree(REPO_ROOT / "seeds", root / "seeds")
    return root / "dbt_project"


def _set_threshold(project: Path, rule: str, setting: str, value: str) -> None:
    """The copy's alert_thresholds seed: the repository's, with `value` for one row."""
    with (REPO_ROOT / "seeds" / "alert_thresholds.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    hits = [r for r in rows if (r["rule"], r["setting"]) == (rule, setting)]
    assert len(hits) == 1
    hits[0]["value"] = value
    path = project.parent / "seeds" / "alert_thresholds.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _build(project: Path, tmp: Path) -> tuple[int, str, dict[str, tuple[str, str]]]:
    """`dbt build` of the seeds, the alert models and client_alerts: (exit code, output,
    node -> status). The target folder is the project copy's, kept between cases."""
    # The same paths in every case (emptied first): dbt keeps its parse only for the same
    # profile, paths included.
    target, build, raw = (
        project.parent / name for name in ("target", "build.duckdb", "raw.duckdb")
    )
    for path in (build, build.with_name(build.name + ".wal")):
        path.unlink(missing_ok=True)
    duckdb.connect(str(raw)).close()
    env = {
        **os.environ,
        **dbt_file_env(build, raw),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **dbt_file_log_env(),  # as the refresh runs dbt
    }
    done = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "build", "--select",
         "alert_rules", "alert_thresholds", "int_alert_rules", "int_alert_thresholds",
         "int_client_alerts__*", "client_alerts",
         "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(target), "--log-path", str(tmp / "logs")],
        env=env, capture_output=True, text=True, timeout=600, cwd=tmp,
    )  # fmt: skip
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    statuses = {
        r["unique_id"].split(".")[-2] if r["unique_id"].startswith("test.") else
        r["unique_id"].split(".")[-1]: (r["status"], r.get("message") or "")
        for r in results["results"]
    }  # fmt: skip
    return done.returncode, done.stdout, statuses


@pytest.mark.parametrize("value", ["abc", "1.234,5", ""])
def test_a_non_numeric_threshold_is_named_before_client_alerts_reads_it(
    project: Path, tmp_path: Path, value: str
) -> None:
    _set_threshold(project, "purchase_gap", "z_score", value)
    code, output, statuses = _build(project, tmp_path)
    assert code != 0
    for node in ["client_alerts", *(n for n in statuses if n.startswith("int_client_alerts__"))]:
        assert statuses[node][0] == "skipped", (node, statuses[node])
    (test,) = [name for name in statuses if name.startswith("json_number_alert_thresholds")]
    status, message = statuses[test]
    shown = f"'{value}'" if value else "empty"
    expected = (
        f"seeds/alert_thresholds.csv, row rule=purchase_gap setting=z_score, column value: "
        f"{shown} is not a number"
    )
    assert status == "error" and expected in message, message
    assert "Binder Error" not in output and "Conversion Error" not in output
    # what the refresh's summary prints: dagster-dbt hands it dbt's error lines
    # (dbt's error-level log messages, without the time stamps of its console lines)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", output)
    logged = re.sub(r"(?m)^\d\d:\d\d:\d\d\s+", "", plain)
    lines = failed_nodes(f"{DBT_ERRORS_MARKER}\n{logged}")
    assert any(expected in line for line in lines), lines
