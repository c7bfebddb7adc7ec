"""Run-time settings: one object, built once from the environment and the command line.

The CLI, the Dagster definitions (resources and schedule) and dbt (vars and profile
environment) all take their paths and knobs from a `Settings`, so a variable set for
`carteira refresh` means the same under `dagster dev` and the daily schedule.

Every default is written once: the dbt-facing ones (`business_timezone`,
`cancellation_cutoff_hours`) are the vars declared in `dbt_project/dbt_project.yml`, which
dbt itself falls back to; the others are the field defaults below. `ENVIRONMENT` lists
the variables that change them (the README documents the same list).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from carteira.setting_values import RULES, InvalidSetting

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_PROJECT_VARS: dict[str, Any] = yaml.safe_load(
    (DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8")
)["vars"]
DEFAULT_TIMEZONE: str = DBT_PROJECT_VARS["business_timezone"]

# The dbt vars that change with every refresh's date. The refresh passes them to dbt in
# the environment (CARTEIRA_DBT_<NAME>, read by dbt_project/macros/daily_var.sql) rather
# than in --vars, which keeps dbt's partial parsing from one day to the next.
DAILY_DBT_VARS = ("as_of", "extracts_through")

# Variable -> Settings field. Paths that default to a place derived from another path
# (demo folder under the home, raw layer beside the warehouse) are resolved in `from_env`.
ENVIRONMENT: dict[str, str] = {
    "CARTEIRA_HOME": "home",
    "CARTEIRA_LANDING": "landing_dir",
    "CARTEIRA_WAREHOUSE": "warehouse_path",
    "CARTEIRA_RAW": "raw_path",
    "CARTEIRA_QUARANTINE": "quarantine_dir",
    "CARTEIRA_VIEWS_DIR": "views_dir",
    "CARTEIRA_LAKE": "lake_dir",
    "CARTEIRA_AS_OF": "as_of",
    "CARTEIRA_TIMEZONE": "business_timezone",
    "CARTEIRA_CANCELLATION_CUTOFF_HOURS": "cancellation_cutoff_hours",
    "CARTEIRA_DUCKDB_MEMORY_LIMIT": "duckdb_memory_limit",
    "CARTEIRA_DUCKDB_THREADS": "duckdb_threads",
    "CARTEIRA_DBT_THREADS": "dbt_threads",
    "CARTEIRA_RAW_LOCK_WAIT_SECONDS": "raw_lock_wait_seconds",
    "CARTEIRA_SCHEDULE_CRON": "schedule_cron",
    "CARTEIRA_SCHEDULE_TIMEZONE": "schedule_timezone",
    "CARTEIRA_LANDING_CUTOFF": "landing_cutoff",
    "CARTEIRA_ALERT_SMTP_HOST": "alert_smtp_host",
    "CARTEIRA_ALERT_SMTP_PORT": "alert_smtp_port",
    "CARTEIRA_ALERT_SMTP_TLS": "alert_smtp_tls",
    "CARTEIRA_ALERT_SMTP_USER": "alert_smtp_user",
    "CARTEIRA_ALERT_EMAIL_FROM": "alert_email_from",
    "CARTEIRA_ALERT_EMAIL_TO": "alert_email_to",
    "CARTEIRA_LOCALE": "locale",
}


# Settings field -> its variable (every field a variable sets), and the command-line flag
# that overrides it where there is one: error messages name both.
VARIABLES: dict[str, str] = {attribute: name for name, attribute in ENVIRONMENT.items()}
FLAGS: dict[str, str] = {
    "landing_dir": "--landing",
    "warehouse_path": "--warehouse",
    "as_of": "--as-of",
}


def read_setting(attribute: str, text: str) -> Any:
    """The value of a setting given as text (a variable, Dagster config), or InvalidSetting.

    The message quotes the text as given, not as parsed (`-1`, not `-1.0`).
    """
    rule = RULES[attribute]
    try:
        value = rule.parse(text)
    except ValueError:
        value = None
    if value is None or not rule.accepts(value):
        raise InvalidSetting(VARIABLES[attribute], text, rule.allowed, flag=FLAGS.get(attribute))
    return value


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_path: Path
    raw_path: Path
    quarantine_dir: Path
    home: Path = Path.home() / ".carteira"
    # The user's saved report views; None means `<home>/views`.
    views_dir: Path | None = None
    # The raw layer mirrored as Parquet for engines that cannot read DuckDB (Spark);
    # None: no lake (carteira.ingestion.lake). The refresh's raw step keeps it in step.
    lake_dir: Path | None = None
    business_timezone: str = DEFAULT_TIMEZONE
    as_of: date | None = None
    cancellation_cutoff_hours: int = DBT_PROJECT_VARS["cancellation_cutoff_hours"]
    duckdb_memory_limit: str = "8GB"
    duckdb_threads: int = 2
    # dbt models built at once; DuckDB runs concurrent statements of one process, and two
    # fit the two cores a refresh is sized for.
    dbt_threads: int = 2
    # How long a refresh waits for a reader to close the raw file before giving up (busy).
    raw_lock_wait_seconds: float = 60.0
    # Rebuild every model from the whole raw layer, the incremental ones too, instead of
    # continuing from the published warehouse (`carteira refresh --full-refresh`). Never
    # read from the environment: a standing setting would rebuild everything every day.
    full_refresh: bool = False
    schedule_cron: str = "0 6 * * *"
    # Empty means the business time zone: the schedule runs at 06:00 where the business is.
    schedule_timezone: str = ""
    # The landing sensor's cut-off, HH:MM in the business time zone: past it, the refresh
    # runs with what has arrived and names the systems that are late (orchestration.sensors).
    landing_cutoff: str = "06:00"
    # Alerts by e-mail (carteira.operations.alerting): sent when host and recipients are set. The
    # password and the webhook URL are secrets, read from the environment only when a
    # message is sent, never held here (CARTEIRA_ALERT_SMTP_PASSWORD, _WEBHOOK_URL).
    alert_smtp_host: str = ""
    alert_smtp_port: int = 587
    alert_smtp_tls: str = "starttls"  # starttls | ssl | none
    alert_smtp_user: str = ""
    alert_email_from: str = ""
    alert_email_to: str = ""  # comma-separated addresses
    extra_vars: dict[str, Any] = field(default_factory=dict)
    # Language and number/date formats of the dashboards (`carteira superset up`): pt_BR
    # (the business's: Portuguese, R$ 1.234,56, dd/mm/aaaa) or en.
    locale: str = "pt_BR"

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        landing_dir: Path | None = None,
        warehouse_path: Path | None = None,
        **overrides: Any,
    ) -> Settings:
        """Settings from `environ` (default `os.environ`), then command-line values.

        A value given on the command line (not None) wins over the environment. Without
        CARTEIRA_RAW / CARTEIRA_QUARANTINE the raw layer and quarantine sit beside the
        warehouse: the raw layer is history that must survive any failed build, so it
        lives in its own DuckDB file rather than inside the file that gets replaced.
        Out of the box everything points at the demo (`carteira demo`) under
        CARTEIRA_HOME, so reports, `carteira sql` and `dagster dev` work right after it.
        """
        env = os.environ if environ is None else environ

        def given(name: str) -> str | None:
            return env.get(name) or None

        def path(value: str | Path) -> Path:
            # Absolute, because dbt and Dagster steps do not share the caller's cwd.
            return Path(value).expanduser().resolve()

        home = path(given("CARTEIRA_HOME") or cls.home)
        demo = home / "demo"
        warehouse = path(warehouse_path or given("CARTEIRA_WAREHOUSE") or demo / "warehouse.duckdb")
        stem = warehouse.stem
        values: dict[str, Any] = {
            "home": home,
            "landing_dir": path(landing_dir or given("CARTEIRA_LANDING") or demo / "landing"),
            "warehouse_path": warehouse,
            "raw_path": path(given("CARTEIRA_RAW") or warehouse.with_name(f"{stem}.raw.duckdb")),
            "quarantine_dir": path(
                given("CARTEIRA_QUARANTINE") or warehouse.with_name(f"{stem}.quarantine")
            ),
        }
        for name, attribute in ENVIRONMENT.items():
            raw = given(name)
            if attribute in values or raw is None:
                continue
            if attribute in ("views_dir", "lake_dir"):
                values[attribute] = path(raw)
                continue
            values[attribute] = read_setting(attribute, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def __post_init__(self) -> None:
        """Refuse a value no command could run with, whoever built these settings.

        The CLI, the Dagster definitions and the resource a Dagster run reads back all
        build a `Settings`, so this is the one place a bad value is caught: before
        anything is read or written, as :class:`InvalidSetting` (exit 3, one line).
        """
        for attribute, rule in RULES.items():
            value = getattr(self, attribute)
            if not rule.accepts(value):
                raise InvalidSetting(
                    VARIABLES[attribute], value, rule.allowed, flag=FLAGS.get(attribute)
                )
        self._check_paths()

    def _check_paths(self) -> None:
        def refuse(attribute: str, problem: str, allowed: str) -> None:
            raise InvalidSetting(
                VARIABLES[attribute],
                str(getattr(self, attribute)),
                allowed,
                flag=FLAGS.get(attribute),
                problem=problem,
            )

        folders = {"home": self.home, "quarantine_dir": self.quarantine_dir}
        folders |= {"landing_dir": self.landing_dir, "views_dir": self.views_dir}
        folders |= {"lake_dir": self.lake_dir}
        for attribute, folder in folders.items():
            if folder is not None and folder.exists() and not folder.is_dir():
                refuse(attribute, "it is a file", "a folder (or where one can be created)")
        for attribute in ("warehouse_path", "raw_path"):
            file = getattr(self, attribute)
            if file.is_dir():
                refuse(attribute, "it is a folder", "the path of a .duckdb file")
            if file.parent.exists() and not file.parent.is_dir():
                refuse(attribute, f"{file.parent} is a file", "the path of a .duckdb file")
        if self.raw_path in (self.warehouse_path, self.build_path):
            refuse(
                "raw_path",
                "it is the warehouse file",
                "a file of its own (default: <warehouse>.raw.duckdb beside it)",
            )
        if self.quarantine_dir == self.landing_dir:
            refuse(
                "quarantine_dir",
                "it is the landing zone",
                "a folder of its own (default: <warehouse>.quarantine beside it)",
            )
        if self.lake_dir is not None:
            self._check_lake(self.lake_dir)

    def _check_lake(self, lake: Path) -> None:
        """The lake's sync removes every file raw does not hold: it must own its folder,
        apart from what ingestion reads and writes and from the DuckDB files."""
        problems = [
            f"it is {name}" if lake == folder else f"it is inside {name}"
            for name, folder in (
                ("the landing zone", self.landing_dir),
                ("the quarantine", self.quarantine_dir),
            )
            if lake.is_relative_to(folder)
        ]
        problems += [
            f"it holds {name} ({file})"
            for name, file in (
                ("the warehouse", self.warehouse_path),
                ("the raw layer", self.raw_path),
            )
            if file.is_relative_to(lake)
        ]
        if problems:
            raise InvalidSetting(
                VARIABLES["lake_dir"],
                str(lake),
                "a folder of its own, outside the landing zone and the quarantine and "
                "holding neither the warehouse nor the raw file",
                problem=problems[0],
            )

    def require_landing(self) -> None:
        """For the commands that read the landing zone: it must be an existing folder."""
        if not self.landing_dir.is_dir():
            raise InvalidSetting(
                VARIABLES["landing_dir"],
                str(self.landing_dir),
                "the landing-zone folder (<system>/<table>/<table>_<YYYYMMDD>.<ext>)",
                flag=FLAGS["landing_dir"],
                problem="no such folder",
            )

    @classmethod
    def for_warehouse(cls, landing_dir: Path, warehouse_path: Path, **kwargs: Any) -> Settings:
        """Settings for an explicit landing zone and warehouse (the rest from the environment)."""
        return cls.from_env(landing_dir=landing_dir, warehouse_path=warehouse_path, **kwargs)

    @property
    def demo_dir(self) -> Path:
        """Where `carteira demo` writes its landing zone and warehouse."""
        return self.home / "demo"

    @property
    def user_views_dir(self) -> Path:
        return self.views_dir or self.home / "views"

    @property
    def effective_schedule_timezone(self) -> str:
        return self.schedule_timezone or self.business_timezone

    def effective_as_of(self) -> date:
        """`as_of` if set, else today in the business time zone (never the machine's zone)."""
        if self.as_of is not None:
            return self.as_of
        return datetime.now(ZoneInfo(self.business_timezone)).date()

    @property
    def build_path(self) -> Path:
        """Where a refresh builds the next warehouse before publishing it by rename."""
        return self.warehouse_path.with_name(self.warehouse_path.name + ".building")

    def dbt_vars(self) -> dict[str, Any]:
        return {
            "as_of": self.effective_as_of().isoformat(),
            # a warehouse for as_of is built from the extracts dated up to as_of only
            "extracts_through": self.effective_as_of().isoformat(),
            "business_timezone": self.business_timezone,
            "cancellation_cutoff_hours": self.cancellation_cutoff_hours,
            **self.extra_vars,
        }

    def refresh_dbt_vars(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The refresh's dbt vars split into (--vars, environment): see DAILY_DBT_VARS.

        --vars holds only what differs from dbt_project.yml's own value: dbt reuses a parse
        only for the same --vars, and with the declared values (most businesses) a
        warehouse's first refresh reuses the parse `dbt parse` wrote for the project.
        """
        every = self.dbt_vars()
        daily = {f"CARTEIRA_DBT_{name.upper()}": str(every.pop(name)) for name in DAILY_DBT_VARS}
        changed = {
            name: value
            for name, value in every.items()
            if name not in DBT_PROJECT_VARS or DBT_PROJECT_VARS[name] != value
        }
        return changed, daily

    @property
    def dbt_target_path(self) -> Path:
        """dbt's target folder for this warehouse's refreshes: one per warehouse, kept.

        Keeping it keeps `partial_parse.msgpack`, which dbt reuses when the profile (paths
        included) and --vars are the same as last time: the next refresh parses only what
        changed instead of the whole project. Two warehouses never share one.
        """
        key = hashlib.sha256(str(self.warehouse_path.resolve()).encode()).hexdigest()[:12]
        return DBT_PROJECT_DIR / "target" / f"refresh-{key}"

    def dbt_env(self) -> dict[str, str]:
        """Environment that `dbt_project/profiles.yml` reads."""
        return {
            **dbt_file_env(self.build_path, self.raw_path),
            "CARTEIRA_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "CARTEIRA_DUCKDB_THREADS": str(self.duckdb_threads),
            "CARTEIRA_DBT_THREADS": str(self.dbt_threads),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            **dbt_file_log_env(),
        }


def build_catalog(path: str | Path) -> str:
    """The catalog DuckDB names a file it opens: the first non-empty dot-separated part of
    its name (`warehouse.duckdb.building` -> `warehouse`). A build keeps that name (the
    published file is opened under it, and its views name it)."""
    return Path(path).name.lstrip(".").split(".")[0]


def dbt_file_env(build: Path, raw: Path) -> dict[str, str]:
    """The environment from which dbt opens a build (carteira/refresh/dbt_connection.py):
    the build file, the catalog the profile builds into, and the raw layer."""
    return {
        "CARTEIRA_BUILD_PATH": str(build),
        "CARTEIRA_BUILD_CATALOG": build_catalog(build),
        "CARTEIRA_RAW_PATH": str(raw),
    }


def dbt_file_log_env() -> dict[str, str]:
    """dbt's file log (dbt.log in the target folder) at `info` unless DBT_LOG_LEVEL_FILE
    says otherwise. At dbt's default, `debug`, a build of this project writes every SQL
    statement and connection event it runs, about 20 MB per full build, and formatting them
    takes about 5 % of the build. At `info` the log keeps each node's result and every error;
    the SQL a node ran stays in the target folder's `run/` and `compiled/`.

    The file log is plain text (dbt's own default) unless DBT_LOG_FORMAT_FILE says
    otherwise: dagster-dbt sets DBT_LOG_FORMAT=json for the stdout it reads, which makes the
    file JSON too, and dbt turns every event (debug ones included, before its level filter)
    into a JSON line once per JSON log. Text keeps the same lines for a person to read at a
    fraction of that cost (benchmarks/dbt_log_format.py).
    """
    return {
        "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE", "info"),
        "DBT_LOG_FORMAT_FILE": os.environ.get("DBT_LOG_FORMAT_FILE", "text"),
    }
