"""The production services end to end (issue 24): dagster-daemon and dagster-webserver on
a temporary DAGSTER_HOME made by `python -m carteira.operations.dagster_home`, a day's extracts
dropped in the landing zone; the landing sensor's run publishes and the quarantine alert
reaches a local webhook. Then the raw layer is damaged (a disk's fault) and a corrected
file delivered: the sensor's second run fails and the failure alert arrives, naming the
damaged file. Slow (real refreshes in the daemon's run worker): minutes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from carteira.settings import REPO_ROOT
from tests.helpers.alert_sinks import HookReceiver, serving

DAY = date(2026, 11, 20)
BAD = "erp/receivables/receivables_20261120_2.csv"
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


RUNS_QUERY = "{ runsOrError { ... on Runs { results { runId jobName status } } } }"


def _runs(port: int) -> list[tuple[str, str, str]]:
    """(job, status, run id) of every run, newest first, as the webserver's GraphQL API
    lists them to an operator ([] while it is not up)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": RUNS_QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read())
    except OSError:
        return []
    runs = (body.get("data") or {}).get("runsOrError", {}).get("results") or []
    return [(r["jobName"], r["status"], r["runId"]) for r in runs]


def _wait(predicate, seconds: float, what: str, port: int, logs: Path, services) -> None:  # noqa: ANN001
    """Wait for `predicate`; fail at once when a refresh run fails or a service exits before
    it holds, and say what the daemon did either way (its runs and the end of its log)."""

    def failures() -> int:
        return sum(status == "FAILURE" for job, status, _ in _runs(port) if job == "refresh")

    deadline = time.monotonic() + seconds
    failed_before = failures()
    why = f"timed out waiting for {what}"
    while time.monotonic() < deadline:
        if predicate():
            return
        if failures() > failed_before:
            why = f"a refresh run failed while waiting for {what}"
            break
        exited = [(name, proc.returncode) for name, proc in services if proc.poll() is not None]
        if exited:
            why = f"{exited} exited while waiting for {what}"
            break
        time.sleep(2)
    log = (logs / "daemon.log").read_text(errors="replace")[-3000:]
    raise AssertionError(f"{why}; runs {_runs(port)}; daemon log ends:\n{log}")


def test_the_daemon_runs_the_sensor_refresh_and_sends_the_alert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from carteira.generator import generate

    landing = tmp_path / "landing"
    generate(landing, DAY, 1, "tiny", 3)
    (landing / BAD).write_text("foo;bar\n1;2\n", encoding="latin-1")
    past = time.time() - 300  # delivered five minutes ago: settled
    for path in landing.rglob("*"):
        os.utime(path, (past, past))
    home = tmp_path / "dagster"
    warehouse = tmp_path / "warehouse.duckdb"
    hook = HookReceiver()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CARTEIRA_LANDING": str(landing),
        "CARTEIRA_WAREHOUSE": str(warehouse),
        "CARTEIRA_AS_OF": DAY.isoformat(),
        "CARTEIRA_LANDING_CUTOFF": "23:59",
        # the daily schedule's fallback run would race the sensor's: due 12 hours from now
        "CARTEIRA_SCHEDULE_CRON": f"0 {(datetime.now(UTC).hour + 12) % 24} * * *",
        "CARTEIRA_SCHEDULE_TIMEZONE": "UTC",
        "CARTEIRA_ALERT_WEBHOOK_URL": hook.url,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("CARTEIRA_PG_DSN", None)  # SQLite storage
    subprocess.run(
        [sys.executable, "-m", "carteira.operations.dagster_home"],
        env=env,
        check=True,
        cwd=REPO_ROOT,
    )
    workspace = str(REPO_ROOT / "deploy" / "workspace.yaml")
    port = _free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    with serving(hook):
        daemon = subprocess.Popen(
            [str(BIN / "dagster-daemon"), "run", "-w", workspace],
            env=env, cwd=REPO_ROOT,
            stdout=(logs / "daemon.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        web = subprocess.Popen(
            [str(BIN / "dagster-webserver"), "-w", workspace, "-h", "127.0.0.1", "-p", str(port)],
            env=env, cwd=REPO_ROOT,
            stdout=(logs / "web.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:

            def web_up() -> bool:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info") as r:
                        return r.status == 200
                except OSError:
                    return False

            services = [("dagster-daemon", daemon), ("dagster-webserver", web)]
            _wait(web_up, 180, "the webserver", port, logs, services)
            _wait(warehouse.exists, 900, "the sensor's refresh to publish", port, logs, services)

            def alerted() -> bool:
                return any("quarantined" in b["text"] for _, _, b in hook.posts)

            _wait(alerted, 180, "the quarantine alert", port, logs, services)

            # the same daemon, a run that fails: the raw file damaged, a file re-delivered
            raw = warehouse.with_name("warehouse.raw.duckdb")
            raw.write_bytes(os.urandom(64 * 1024))
            redelivered = landing / BAD
            redelivered.write_text("foo;bar\n1;3\n", encoding="latin-1")
            os.utime(redelivered, (past + 60, past + 60))

            def failure_alerted() -> bool:
                return any("refresh failed" in b["text"] for _, _, b in hook.posts)

            deadline = time.monotonic() + 600
            while not failure_alerted() and time.monotonic() < deadline:
                time.sleep(2)  # here the refresh run is meant to fail
            assert failure_alerted(), f"no failure alert; runs {_runs(port)}"
            # what _wait watches: the webserver lists both runs of the sensor
            listed = sorted(status for job, status, _ in _runs(port) if job == "refresh")
            assert listed == ["FAILURE", "SUCCESS"], _runs(port)
        finally:
            for proc in (web, daemon):
                proc.terminate()
            for proc in (web, daemon):
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        refresh = [r for r in reversed(runs) if r.job_name == "refresh"]  # oldest first
        assert [r.status.value for r in refresh] == ["SUCCESS", "FAILURE"], [
            (r.job_name, r.status) for r in runs
        ]
        assert {r.tags.get("dagster/sensor_name") for r in refresh} == {"landing_sensor"}
    text = next(b["text"] for _, _, b in hook.posts if "quarantined" in b["text"])
    assert BAD in text
    (failure,) = [b["text"] for _, _, b in hook.posts if "refresh failed" in b["text"]]
    assert refresh[1].run_id in failure and "warehouse.raw.duckdb" in failure, failure
    # `carteira status` reads the same storage: the last run, by the sensor, for DAY
    from carteira.operations.status import collect
    from carteira.settings import Settings

    monkeypatch.setenv("DAGSTER_HOME", str(home))
    last = collect(Settings.for_warehouse(landing, warehouse, as_of=DAY)).last_run
    assert last is not None and last.run_id == refresh[1].run_id, last
    assert (last.trigger, last.as_of, last.exit_code) == ("sensor", DAY.isoformat(), 2), last


pytestmark = pytest.mark.skipif(
    os.environ.get("CARTEIRA_SKIP_SERVICE_TESTS") == "1", reason="CARTEIRA_SKIP_SERVICE_TESTS=1"
)
