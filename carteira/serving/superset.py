"""`carteira superset up|stop|status`: Apache Superset over a published warehouse.

Superset lives in an environment of its own (bi/superset/, own pyproject.toml and
uv.lock) because its dependencies conflict with Dagster's; this module imports nothing
of it. It checks what it can check from here (warehouse, serving database, port), writes
what Superset needs to know about staff (users, visibility) to a JSON file, runs
bi/superset/setup_superset.py in the Superset environment, then starts the web server
detached and waits until it answers.

State lives beside the warehouse, in `<warehouse stem>.superset/` (mode 0700: it holds
password hashes and secrets): the SQLite metadata database, the generated secret key and
the administrator's initial password (credentials.json, mode 0600), the hand-out files of
new staff logins (new-logins-<time>.csv, mode 0600), the server's pid file and log.
Deleting that folder resets Superset.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import duckdb

from carteira.exit_codes import CouldNotRun
from carteira.read_only import LOCKED_DOWN
from carteira.serving.superset_rls import SupersetRlsError, setup_rules
from carteira.setting_values import LOCALES  # bi/superset/localize.py writes one bundle each
from carteira.settings import REPO_ROOT

SUPERSET_PROJECT = REPO_ROOT / "bi" / "superset"
BUNDLE = SUPERSET_PROJECT / "bundle"  # one bundle per locale: bundle/<locale>/
DEFAULT_PORT = 8088
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 240
# Hand-out files of new logins' passwords (written by bi/superset/superset_users.py)
LOGINS_FILE_PREFIX = "new-logins-"


class CannotRun(CouldNotRun):
    """A precondition is not met (exit 3); the message is the one line shown to the user."""


@dataclass(frozen=True)
class Service:
    warehouse: Path
    port: int = DEFAULT_PORT
    postgres_dsn: str | None = None
    locale: str = "pt_BR"

    @property
    def state_dir(self) -> Path:
        return self.warehouse.with_name(self.warehouse.stem + ".superset")

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "superset.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "superset.log"

    @property
    def credentials_file(self) -> Path:
        return self.state_dir / "credentials.json"


def _venv_bin(name: str) -> Path:
    return SUPERSET_PROJECT / ".venv" / "bin" / name


def duckdb_uri(warehouse: Path) -> str:
    """The published DuckDB file as Superset opens it: read-only, no other file, no network.

    SQL Lab runs any SELECT a user types on this connection, and DuckDB's table
    functions reach the machine by themselves (``read_text('/etc/passwd')``,
    ``read_csv``, ``glob``; ``COPY ... TO`` writes). The query string is handed to
    ``duckdb.connect``'s config by duckdb_engine, so external access is off and the
    configuration locked before the first statement, as for ``carteira sql``
    (``read_only.LOCKED_DOWN``, the one list of these options).
    """
    options = {"access_mode": "read_only"}
    options |= {name: str(value).lower() for name, value in LOCKED_DOWN.items()}
    return f"duckdb:///{warehouse.resolve()}?{urlencode(options)}"


def postgres_uri(dsn: str) -> str:
    """libpq DSN (key=value or URI) -> SQLAlchemy URI for psycopg2."""
    from urllib.parse import quote

    from psycopg2.extensions import parse_dsn

    parts = parse_dsn(dsn)
    user = quote(parts.get("user", ""), safe="")
    password = parts.get("password")
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    host = parts.get("host", "localhost")
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql+psycopg2://{auth}{host}{port}/{parts.get('dbname', '')}"


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _healthy(service: Service) -> bool:
    try:
        with urllib.request.urlopen(service.url + "health", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def running_pid(service: Service) -> int | None:
    """Pid of this warehouse's server if it is alive, else None (stale pid file removed)."""
    try:
        pid = int(service.pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        service.pid_file.unlink(missing_ok=True)
        return None
    return pid


def _served_schemas(dsn: str) -> set[str]:
    import psycopg2

    try:
        with psycopg2.connect(dsn, connect_timeout=5) as con, con.cursor() as cur:
            cur.execute("select schema_name from information_schema.schemata")
            return {row[0] for row in cur.fetchall()}
    except psycopg2.Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CannotRun(f"serving database unreachable ({first})") from error


def check(service: Service) -> None:
    """Refuse (CannotRun) when something this command needs is missing."""
    if not service.warehouse.is_file():
        raise CannotRun(
            f"no warehouse at {service.warehouse}: run `carteira demo` or `carteira refresh`"
        )
    if service.postgres_dsn is not None and "marts" not in _served_schemas(service.postgres_dsn):
        raise CannotRun(
            "serving database has no schema marts: run `carteira publish-postgres` first"
        )
    if service.locale not in LOCALES:
        raise CannotRun(f"unknown locale {service.locale!r}: expected one of {', '.join(LOCALES)}")
    if shutil.which("uv") is None:
        raise CannotRun("uv not found on PATH (it installs the Superset environment)")
    if running_pid(service) is None and not _port_free(service.port):
        raise CannotRun(f"port {service.port} on {HOST} is taken: pass --port")


def _write_private(path: Path, text: str) -> None:
    """Write a file only this user can read: created 0600 (never wider, even for an
    instant: umask cannot widen it and an existing file is chmod-ed first)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _credentials(service: Service) -> dict[str, str]:
    """The install's secret key and the administrator's initial password, generated once.

    A `staff_password` here comes from before personal logins (one password for all
    staff): it is kept until a setup has replaced it on every account still using it."""
    path = service.credentials_file
    if path.exists():
        path.chmod(0o600)  # files of older versions were created with the umask's mode
        return json.loads(path.read_text())
    values = {
        "secret_key": secrets.token_urlsafe(42),
        "admin_password": secrets.token_urlsafe(12),
    }
    _write_private(path, json.dumps(values, indent=2))
    return values


def _forget_shared_password(service: Service, credentials: dict[str, str]) -> None:
    if credentials.pop("staff_password", None) is not None:
        _write_private(service.credentials_file, json.dumps(credentials, indent=2))


def staff_members(warehouse: Path) -> list[dict[str, object]]:
    """Active staff with the staff ids each may see (marts.staff_visibility)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.sql(
            """
            select staff.staff_id, staff.full_name, staff.email, staff.can_view_all,
                   list(visibility.visible_staff_id order by visibility.visible_staff_id)
                       filter (where visibility.visible_staff_id is not null)
            from marts.dim_staff as staff
            left join marts.staff_visibility as visibility
                on visibility.viewer_staff_id = staff.staff_id
            where staff.active and not staff.is_deleted
            group by all
            order by staff.staff_id
            """
        ).fetchall()
    finally:
        con.close()
    members = []
    for staff_id, full_name, email, can_view_all, visible in rows:
        first, _, last = (full_name or staff_id).partition(" ")
        members.append(
            {
                "staff_id": staff_id,
                "email": email,
                "first_name": first,
                "last_name": last or "-",
                "can_view_all": bool(can_view_all),
                "visible": visible or [],
            }
        )
    return members


def served_backend(service: Service) -> str:
    """What the dashboards read, in words (no password): said by every `up`."""
    if service.postgres_dsn is None:
        return f"the DuckDB file {service.warehouse.resolve()} (read-only)"
    from psycopg2.extensions import parse_dsn

    parts = parse_dsn(service.postgres_dsn)
    where = f"{parts.get('host', 'localhost')}:{parts.get('port', '5432')}"
    user = f" as {parts['user']}" if parts.get("user") else ""
    return f"PostgreSQL database {parts.get('dbname', '')} on {where}{user} (--postgres)"


def _superset_env(service: Service, credentials: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(
        {
            "SUPERSET_CONFIG_PATH": str(SUPERSET_PROJECT / "superset_config.py"),
            "SUPERSET_HOME": str(service.state_dir),
            "CARTEIRA_SUPERSET_STATE": str(service.state_dir),
            "CARTEIRA_SUPERSET_SECRET_KEY": credentials["secret_key"],
            "CARTEIRA_LOCALE": service.locale,
            "FLASK_APP": "superset",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _sync_environment(env: dict[str, str]) -> None:
    subprocess.run(
        ["uv", "sync", "--frozen", "--project", str(SUPERSET_PROJECT), "--quiet"],
        check=True,
        env=env,
    )


def up(service: Service, echo=print) -> None:  # noqa: ANN001 - click.echo or print
    """Install/update Superset's state, import the dashboards, start the server (idempotent)."""
    check(service)
    service.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    service.state_dir.chmod(0o700)  # folders of older versions were created 0755
    credentials = _credentials(service)
    env = _superset_env(service, credentials)
    _sync_environment(env)
    serving_uri = (
        postgres_uri(service.postgres_dsn)
        if service.postgres_dsn
        else duckdb_uri(service.warehouse)
    )
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}"
    logins_file = service.state_dir / f"{LOGINS_FILE_PREFIX}{stamp}.csv"
    setup_input = {
        "bundle": str(BUNDLE / service.locale),
        "serving_uri": serving_uri,
        "duckdb_uri": duckdb_uri(service.warehouse),
        "admin_password": credentials["admin_password"],
        "legacy_staff_password": credentials.get("staff_password"),
        "logins_file": str(logins_file),
        # Superset's version and migration revision after the last complete setup
        "schema_stamp": str(service.state_dir / "schema-stamp.json"),
        "staff": staff_members(service.warehouse),
    }
    # Row-level security clauses per dataset and member (carteira/serving/superset_rls.py).
    try:
        setup_input["rls"] = setup_rules(setup_input["staff"])
    except SupersetRlsError as exc:
        raise CannotRun(f"superset: {exc}") from exc
    input_path = service.state_dir / "setup-input.json"
    _write_private(input_path, json.dumps(setup_input))
    with service.log_file.open("a") as log:
        result = subprocess.run(
            [
                str(_venv_bin("python")),
                str(SUPERSET_PROJECT / "setup_superset.py"),
                str(input_path),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    input_path.unlink(missing_ok=True)
    if result.returncode != 0:
        # its passwords belong to accounts that were rolled back
        logins_file.unlink(missing_ok=True)
        raise RuntimeError(f"Superset setup failed (log: {service.log_file})")
    _forget_shared_password(service, credentials)
    echo(result.stdout.strip().splitlines()[-1])
    earlier = [p for p in service.state_dir.glob(f"{LOGINS_FILE_PREFIX}*.csv") if p != logins_file]
    if logins_file.exists():
        echo(f"New logins (user names and initial passwords, readable only by you): {logins_file}")
        echo("  Give each person their own line, then delete the file.")
    if earlier:
        echo(
            f"  {len(earlier)} earlier hand-out file(s) of passwords still in "
            f"{service.state_dir}: delete them once handed out."
        )
    echo(f"Dashboards read {served_backend(service)}")
    if running_pid(service) is None:
        _start(service, env)
    else:  # already serving, maybe on the port of an earlier `up`
        service = replace(service, port=int(service.pid_file.read_text().split()[1]))
    echo(
        f"Superset is up: {service.url}  (administrator: user admin, initial password "
        f"admin_password in {service.credentials_file})"
    )
    echo(f"Stop it with: carteira superset stop --warehouse {service.warehouse}")


def _start(service: Service, env: dict[str, str]) -> None:
    log = service.log_file.open("a")
    process = subprocess.Popen(
        [
            str(_venv_bin("gunicorn")),
            "--bind",
            f"{HOST}:{service.port}",
            "--workers",
            "1",
            "--threads",
            "8",
            "--timeout",
            "300",
            "--limit-request-line",
            "0",
            "--no-control-socket",
            "superset.app:create_app()",
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    service.pid_file.write_text(f"{process.pid} {service.port}\n")
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            service.pid_file.unlink(missing_ok=True)
            raise RuntimeError(f"Superset exited at start (log: {service.log_file})")
        if _healthy(service):
            return
        time.sleep(1)
    stop(service)
    raise RuntimeError(f"Superset did not answer within {START_TIMEOUT_SECONDS}s")


def stop(service: Service) -> bool:
    """Stop this warehouse's server; False when none was running."""
    pid = running_pid(service)
    if pid is None:
        return False
    os.killpg(pid, signal.SIGTERM)
    for _ in range(60):
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.5)
    else:
        os.killpg(pid, signal.SIGKILL)
    service.pid_file.unlink(missing_ok=True)
    return True
