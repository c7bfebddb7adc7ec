"""`carteira spark up|status|stop`: a real local cluster, and the ways it refuses to run.

One cluster for the module (two workers): the master lists them ALIVE, the Thrift server
answers PyHive (dbt-spark's driver) with a Parquet table written by the executors on the
workers, every socket the cluster listens on is 127.0.0.1, and `stop` leaves no process.
The refusals (no Java, no pyspark, a port taken, a state file that is not ours) start no
JVM and run in the fast layer.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil
import pytest
from click.testing import CliRunner

from carteira.cli.main import main
from carteira.exit_codes import CouldNotRun
from carteira.spark import cluster, launch
from carteira.spark.launch import HOST, Layout
from carteira.spark.processes import Started, ours

CARTEIRA = str(Path(sys.executable).with_name("carteira"))
LOOPBACK = {"127.0.0.1", "::ffff:127.0.0.1"}


def _spark(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CARTEIRA, "spark", *args], capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, cluster.State]]:
    """One `carteira spark up --workers 2` for the module, stopped at its end."""
    home = tmp_path_factory.mktemp("spark") / "cluster"
    started = time.monotonic()
    result = _spark("up", "--home", str(home), "--workers", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    print(f"carteira spark up: {time.monotonic() - started:.1f}s")
    state = cluster.read_state(Layout(home))
    assert state is not None
    try:
        yield home, state
    finally:
        _spark("stop", "--home", str(home))


def _cluster_pids(state: cluster.State) -> set[int]:
    """The recorded processes and all their children (the workers' executors)."""
    pids = set()
    for started in state.processes:
        try:
            process = psutil.Process(started.pid)
            pids |= {process.pid} | {c.pid for c in process.children(recursive=True)}
        except psutil.NoSuchProcess:
            pass
    return pids


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.mark.integration
def test_the_master_lists_two_alive_workers(running: tuple[Path, cluster.State]) -> None:
    _, state = running
    view = _get_json(state.master_ui + "json/")
    assert view["status"] == "ALIVE"
    assert [w["state"] for w in view["workers"]] == ["ALIVE", "ALIVE"]
    assert state.master_url == view["url"]


@pytest.mark.integration
def test_a_parquet_table_round_trips_through_pyhive(running: tuple[Path, cluster.State]) -> None:
    home, state = running
    rows = launch.thrift_query(
        state.thrift,
        [
            "create table clients (client_id int, name string) using parquet",
            "insert into clients values (1, 'Ana'), (2, 'Bruno'), (3, 'Carla')",
            "select client_id, name from clients order by client_id",
        ],
    )
    assert rows == [[1, "Ana"], [2, "Bruno"], [3, "Carla"]]
    with pytest.raises(launch.ThriftError, match="(?i)table or view.*not found|cannot be found"):
        launch.thrift_query(state.thrift, ["select * from no_such_table"])
    # the metastore and the table's files are the cluster's own, in its home folder
    assert list((home / "warehouse" / "clients").glob("*.parquet"))
    assert (home / "metastore_db").is_dir()


@pytest.mark.integration
def test_the_thrift_application_runs_its_executors_on_the_workers(
    running: tuple[Path, cluster.State],
) -> None:
    _, state = running
    view = _get_json(state.master_ui + "json/")
    [app] = view["activeapps"]
    assert (app["name"], app["state"], app["cores"]) == (launch.THRIFT_APP_NAME, "RUNNING", 2)
    for worker in view["workers"]:
        assert worker["coresused"] == worker["cores"] == 1
        assert worker["memoryused"] > 0
        executors = _get_json(worker["webuiaddress"] + "/json/")["executors"]
        assert [e["appid"] for e in executors] == [app["id"]]


@pytest.mark.integration
def test_status_names_master_workers_thrift_and_application(
    running: tuple[Path, cluster.State],
) -> None:
    home, state = running
    result = _spark("status", "--home", str(home))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Spark master: {state.master_url}" in result.stdout
    assert "Workers: 2 ALIVE of 2" in result.stdout
    assert state.thrift in result.stdout
    assert f"Application: {launch.THRIFT_APP_NAME}" in result.stdout


@pytest.mark.integration
def test_a_second_up_reports_the_running_cluster(running: tuple[Path, cluster.State]) -> None:
    home, state = running
    result = _spark("up", "--home", str(home), "--workers", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "already runs" in result.stdout
    assert cluster.read_state(Layout(home)) == state


@pytest.mark.integration
def test_every_listening_socket_is_on_loopback(running: tuple[Path, cluster.State]) -> None:
    _, state = running
    pids = _cluster_pids(state)
    listening = [
        c for c in psutil.net_connections("inet") if c.pid in pids and c.status == "LISTEN"
    ]
    # master RPC + UI, 2 x worker RPC + UI, Thrift, driver RPC + UI + block managers
    assert len(listening) >= 8
    assert {c.laddr.ip for c in listening} <= LOOPBACK
    assert int(state.thrift.split(":")[1]) in {c.laddr.port for c in listening}


@pytest.mark.integration
def test_stop_leaves_no_process_and_status_then_fails(running: tuple[Path, cluster.State]) -> None:
    home, state = running
    pids = _cluster_pids(state)
    assert len(pids) >= 6  # master, 2 workers, Thrift driver, 2 executors
    result = _spark("stop", "--home", str(home))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "stopped" in result.stdout
    gone, alive = psutil.wait_procs([psutil.Process(p) for p in pids if psutil.pid_exists(p)], 5)
    assert [p.pid for p in alive] == []
    assert _spark("status", "--home", str(home)).returncode == 2
    again = _spark("stop", "--home", str(home))
    assert (again.returncode, "no Spark cluster was running" in again.stdout) == (0, True)


@pytest.mark.integration
def test_a_process_that_dies_at_start_is_named_and_nothing_is_left(tmp_path: Path) -> None:
    home = tmp_path / "broken"
    before = {p.pid for p in psutil.process_iter()}
    # a size Spark cannot read: the worker and the Thrift server (its executor size) both
    # exit, whichever first is named with its log
    result = _spark("up", "--home", str(home), "--workers", "1", "--worker-memory", "lots")
    assert result.returncode == 2, result.stdout + result.stderr
    logs = re.escape(str(home / "logs"))
    died = rf"the Spark (worker-1|thrift) exited with code 1 while starting: read {logs}/\1\.log"
    assert re.search(died, result.stderr), result.stderr
    assert not (home / "cluster.json").exists()
    left = [
        p
        for p in psutil.process_iter(["pid", "cmdline"])
        if p.pid not in before and str(home) in " ".join(p.info["cmdline"] or ())
    ]
    assert left == []


# -- refusals: no JVM is started (tests/helpers/layers.py refuses java and spark-class) --


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(main, ["spark", *args])


def test_without_java_up_says_what_to_install(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(CouldNotRun, match="apt-get install openjdk-17-jre-headless"):
        launch.java()
    result = _invoke("up", "--home", str(tmp_path / "cluster"))
    assert result.exit_code == 3
    assert "openjdk-17-jre-headless" in result.output
    assert not (tmp_path / "cluster" / "cluster.json").exists()


def test_without_its_environment_up_says_what_failed(tmp_path: Path, monkeypatch: Any) -> None:
    """Spark's environment (spark/, its own lock) is synced by `up`; when that cannot
    happen (no uv, no registry) or left no pyspark, one line says so and nothing starts."""
    monkeypatch.setattr(launch, "SPARK_PROJECT", tmp_path / "no-spark-env")
    with pytest.raises(CouldNotRun, match="Spark's environment"):
        launch.spark_home()
    which = launch.shutil.which
    monkeypatch.setattr(launch.shutil, "which", lambda name: None if name == "uv" else which(name))
    with pytest.raises(CouldNotRun, match="needs uv"):
        launch.sync_environment()
    result = _invoke("up", "--home", str(tmp_path / "cluster"))
    assert result.exit_code == 3
    assert result.output.strip().splitlines() == [f"carteira: {launch.SPARK_ENV_MISSING}"]
    assert not (tmp_path / "cluster" / "cluster.json").exists()


def test_a_taken_port_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        for option in ("--thrift-port", "--master-port"):
            result = _invoke("up", "--home", str(tmp_path), option, str(port))
            assert result.exit_code == 3, result.output
            assert f"port {port} on 127.0.0.1 is taken" in result.output
    assert not (tmp_path / "cluster.json").exists()
    assert not (tmp_path / "logs").exists()


def test_picked_ports_are_distinct_and_keep_the_ones_asked_for() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        free = probe.getsockname()[1]
    ports = launch.pick_ports(3, thrift=free)
    assert ports.thrift == free
    assert len(set(ports.all())) == len(ports.all()) == 7


def _me(spark_class: str, create_time: float | None = None) -> Started:
    """A state-file entry naming this test's own process."""
    created = psutil.Process().create_time() if create_time is None else create_time
    return Started("master", os.getpid(), created, spark_class, "master.log")


def test_a_process_is_ours_only_with_its_creation_time_class_and_own_group() -> None:
    assert ours(_me(launch.MASTER_CLASS)) is None  # this pytest is no Spark master
    assert ours(_me("pytest", create_time=1.0)) is None  # started at another time
    me = psutil.Process()
    mine = _me(me.cmdline()[0])
    assert (ours(mine) is not None) == (os.getpgid(0) == os.getpid())
    assert ours(replace(mine, pid=2**22 + 7)) is None  # no such process


def test_stop_never_signals_a_process_the_state_file_forges(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    forged = [
        _me(launch.MASTER_CLASS),
        replace(_me(launch.WORKER_CLASS), role="worker-1", pid=1),
        replace(_me("pytest", create_time=1.0), role="thrift"),
    ]
    state = cluster.State("spark://x:1", "http://127.0.0.1:9/", "127.0.0.1:9", 1, "", ())
    layout.state_file.write_text(json.dumps(replace(state, processes=tuple(forged)).to_json()))
    result = _invoke("stop", "--home", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.count("left alone") == 3
    assert "no Spark cluster was running" in result.output
    assert psutil.Process(1).is_running()  # and this test is still here to say so
    assert not layout.state_file.exists()


def test_a_corrupted_state_file_is_named_not_acted_on(tmp_path: Path) -> None:
    (tmp_path / "cluster.json").write_text('{"processes": [{"pid": 1')
    for command in ("stop", "status", "up"):
        result = _invoke(command, "--home", str(tmp_path))
        assert result.exit_code == 3, (command, result.output)
        assert "cluster.json is not a cluster state file" in result.output


def test_status_and_stop_without_a_cluster(tmp_path: Path) -> None:
    home = tmp_path / "never-started"
    status = _invoke("status", "--home", str(home))
    assert (status.exit_code, "no Spark cluster in" in status.output) == (2, True)
    stop = _invoke("stop", "--home", str(home))
    assert (stop.exit_code, "no Spark cluster was running" in stop.output) == (0, True)
    assert not home.exists()
