"""What the cluster runs: pyspark's scripts, their arguments and environment, free ports.

Everything comes from the pyspark package of Spark's own environment (`spark/`, its own
uv.lock, synced by `carteira spark up` as `carteira superset up` syncs Superset's): its
`bin/spark-class` starts the standalone master and workers, its `bin/spark-submit` the
Thrift server (HiveThriftServer2, whose jars pyspark ships). pyspark is kept out of
Carteira's own environment because great-expectations imports it whenever it is installed
there (a second of every ingestion's start, and pyspark's doctest guard exits a `python -c`
process such as a pytest-xdist worker). Nothing is downloaded at run time: no
`--packages`, no Ivy. Every address is 127.0.0.1: the master and workers (`--host`,
SPARK_MASTER_HOST), every web UI and RPC port (SPARK_LOCAL_IP), the driver
(`spark.driver.bindAddress`) and the Thrift port (`hive.server2.thrift.bind.host`).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from carteira.exit_codes import CouldNotRun
from carteira.settings import REPO_ROOT

# Spark's own environment: pyspark (Spark itself), dbt-spark and PyHive.
SPARK_PROJECT = REPO_ROOT / "spark"

HOST = "127.0.0.1"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
THRIFT_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
THRIFT_APP_NAME = "Carteira Thrift server"
# Heap of the master and worker daemons: they only schedule (Spark's default is 1g each).
DAEMON_MEMORY = "512m"
# The Thrift server's driver: it plans queries and holds the Derby metastore.
DRIVER_MEMORY = "1g"
# IPv4 sockets only, so a listening socket is 127.0.0.1 and never [::].
_JAVA_OPTS = "-Djava.net.preferIPv4Stack=true"

JAVA_MISSING = (
    "Java not found (no `java` on PATH, no JAVA_HOME): install it with "
    "`apt-get install openjdk-17-jre-headless`"
)
SPARK_ENV_MISSING = (
    "Spark's environment could not be installed (`uv sync --frozen --project spark`): "
    "it needs uv and the package registry"
)


@dataclass(frozen=True)
class Sizing:
    """How many workers, and what each offers: one executor of the Thrift server each."""

    workers: int = 2
    cores: int = 1
    memory: str = "1g"


@dataclass(frozen=True)
class Ports:
    master: int
    master_ui: int
    worker_uis: tuple[int, ...]
    thrift: int
    app_ui: int

    def all(self) -> list[int]:
        return [self.master, self.master_ui, *self.worker_uis, self.thrift, self.app_ui]


@dataclass(frozen=True)
class Layout:
    """The cluster's folder: state, logs, the Thrift server's metastore and warehouse."""

    home: Path

    @property
    def state_file(self) -> Path:
        return self.home / "cluster.json"

    @property
    def lock_file(self) -> Path:
        return self.home / "cluster.lock"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def conf(self) -> Path:
        return self.home / "conf"

    @property
    def work(self) -> Path:
        return self.home / "work"

    @property
    def scratch(self) -> Path:
        return self.home / "tmp"

    @property
    def metastore(self) -> Path:
        return self.home / "metastore_db"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse"

    def log(self, role: str) -> Path:
        return self.logs / f"{role}.log"

    def make(self) -> None:
        for folder in (self.home, self.logs, self.conf, self.work, self.scratch):
            folder.mkdir(parents=True, exist_ok=True)


def java() -> str:
    """The `java` spark-class will run (JAVA_HOME's first, as spark-class does)."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.access(Path(java_home) / "bin" / "java", os.X_OK):
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise CouldNotRun(JAVA_MISSING)
    return found


def spark_python() -> Path:
    """The Python of Spark's own environment (spark/.venv)."""
    return SPARK_PROJECT / ".venv" / "bin" / "python"


def sync_environment() -> None:
    """Install or update Spark's environment from its lock (a no-op when it is current)."""
    uv = shutil.which("uv")
    if uv is None:
        raise CouldNotRun(SPARK_ENV_MISSING)
    synced = subprocess.run(
        [uv, "sync", "--frozen", "--quiet", "--project", str(SPARK_PROJECT)],
        capture_output=True,
        text=True,
        check=False,
    )
    if synced.returncode != 0:
        tail = (synced.stderr or synced.stdout).strip().splitlines()[-1:]
        raise CouldNotRun(SPARK_ENV_MISSING + (f": {tail[0]}" if tail else ""))


def spark_home() -> Path:
    """pyspark's Spark distribution (bin/, jars/) in Spark's environment, or one line on
    what went wrong. The package folder is the distribution: pyspark ships bin/ and jars/."""
    python = spark_python()
    found = (
        subprocess.run(
            [str(python), "-c", "import os, pyspark; print(os.path.dirname(pyspark.__file__))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if python.exists()
        else None
    )
    if found is None or found.returncode != 0:
        raise CouldNotRun(SPARK_ENV_MISSING)
    home = Path(found.stdout.strip())
    if not (home / "bin" / "spark-class").is_file():
        raise CouldNotRun(
            f"pyspark at {home} has no bin/spark-class: remove {python.parent.parent}, then retry"
        )
    return home


def thrift_query(endpoint: str, statements: list[str], wait: float = 0) -> list[list[object]]:
    """Run `statements` on the Thrift server as dbt-spark does (PyHive, in Spark's
    environment: spark/thrift_query.py); the last one's rows. Raises CarteiraError."""
    ran = subprocess.run(
        [
            str(spark_python()),
            str(SPARK_PROJECT / "thrift_query.py"),
            "--endpoint",
            endpoint,
            "--wait",
            str(wait),
            *statements,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if ran.returncode != 0:
        raise ThriftError(ran.stderr.strip().splitlines()[-1] if ran.stderr.strip() else "failed")
    return json.loads(ran.stdout)


class ThriftError(RuntimeError):
    """The Thrift server did not run a statement (not ready, or the SQL failed)."""


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_port(taken: set[int]) -> int:
    """A port the kernel hands out as free on 127.0.0.1, not already picked."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((HOST, 0))
            port = sock.getsockname()[1]
        if port not in taken:
            return port


def pick_ports(workers: int, master: int = 0, thrift: int = 0) -> Ports:
    """The ports asked for (refused if taken), free ones for the rest (0 = pick one)."""
    for name, port in (("--master-port", master), ("--thrift-port", thrift)):
        if port and not port_free(port):
            raise CouldNotRun(f"port {port} on {HOST} is taken: pass another {name} (or none)")
    taken = {p for p in (master, thrift) if p}

    def pick() -> int:
        port = _free_port(taken)
        taken.add(port)
        return port

    return Ports(
        master=master or pick(),
        master_ui=pick(),
        worker_uis=tuple(pick() for _ in range(workers)),
        thrift=thrift or pick(),
        app_ui=pick(),
    )


def environment(layout: Layout, spark: Path) -> dict[str, str]:
    """The environment of every process: 127.0.0.1, the cluster's own conf and folders.

    SPARK_CONF_DIR points at the cluster's (empty) conf folder so a spark-defaults.conf
    or spark-env.sh elsewhere on the machine changes nothing here.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARK_", "PYSPARK_"))}
    env.update(
        {
            "SPARK_HOME": str(spark),
            "SPARK_CONF_DIR": str(layout.conf),
            "SPARK_LOG_DIR": str(layout.logs),
            "SPARK_WORKER_DIR": str(layout.work),
            "SPARK_LOCAL_DIRS": str(layout.scratch),
            "SPARK_LOCAL_IP": HOST,
            "SPARK_MASTER_HOST": HOST,
            "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
            "SPARK_DAEMON_JAVA_OPTS": _JAVA_OPTS,
            # the master's REST submission port (6066) is not needed: off
            "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false",
        }
    )
    return env


def master_url(ports: Ports) -> str:
    return f"spark://{HOST}:{ports.master}"


def master_argv(spark: Path, ports: Ports) -> list[str]:
    return [
        str(spark / "bin" / "spark-class"),
        MASTER_CLASS,
        "--host",
        HOST,
        "--port",
        str(ports.master),
        "--webui-port",
        str(ports.master_ui),
    ]


def worker_argv(spark: Path, layout: Layout, ports: Ports, index: int, sizing: Sizing) -> list[str]:
    """Worker `index` (0-based), offering `sizing.cores` cores and `sizing.memory`."""
    return [
        str(spark / "bin" / "spark-class"),
        WORKER_CLASS,
        "--host",
        HOST,
        "--webui-port",
        str(ports.worker_uis[index]),
        "--cores",
        str(sizing.cores),
        "--memory",
        sizing.memory,
        "--work-dir",
        str(layout.work / f"worker-{index + 1}"),
        master_url(ports),
    ]


def thrift_argv(spark: Path, layout: Layout, ports: Ports, sizing: Sizing) -> list[str]:
    """The Thrift server as an application of the cluster: one executor per worker.

    Its Derby metastore and its tables' files live in the cluster's home folder, so a
    second cluster (another home) shares nothing with it.
    """
    derby = f"jdbc:derby:;databaseName={layout.metastore};create=true"
    conf = {
        "spark.driver.host": HOST,
        "spark.driver.bindAddress": HOST,
        "spark.driver.memory": DRIVER_MEMORY,
        "spark.driver.extraJavaOptions": _JAVA_OPTS + f" -Dderby.system.home={layout.home}",
        "spark.executor.extraJavaOptions": _JAVA_OPTS,
        "spark.ui.port": str(ports.app_ui),
        "spark.executor.cores": str(sizing.cores),
        "spark.executor.memory": sizing.memory,
        "spark.cores.max": str(sizing.cores * sizing.workers),
        "spark.local.dir": str(layout.scratch),
        "spark.sql.warehouse.dir": str(layout.warehouse),
        "spark.hadoop.javax.jdo.option.ConnectionURL": derby,
    }
    hive = {
        "hive.server2.thrift.bind.host": HOST,
        "hive.server2.thrift.port": str(ports.thrift),
        "hive.exec.scratchdir": str(layout.scratch / "hive"),
        "hive.exec.local.scratchdir": str(layout.scratch / "hive-local"),
        "hive.downloaded.resources.dir": str(layout.scratch / "hive-resources"),
    }
    argv = [
        str(spark / "bin" / "spark-submit"),
        "--class",
        THRIFT_CLASS,
        "--master",
        master_url(ports),
        "--name",
        THRIFT_APP_NAME,
    ]
    for key, value in conf.items():
        argv += ["--conf", f"{key}={value}"]
    argv.append("spark-internal")
    for key, value in hive.items():
        argv += ["--hiveconf", f"{key}={value}"]
    return argv
