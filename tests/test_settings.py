"""One Settings path: every documented variable reaches the CLI, Dagster and dbt alike.

The CLI side runs `carteira refresh` for real up to the point where it assembles the
Dagster definitions (the refresh itself is stopped there); the Dagster side builds the
definitions `dagster dev` loads. Both must see the same effective value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from carteira.cli.main import main
from carteira.exit_codes import CouldNotRun
from carteira.settings import (
    DAILY_DBT_VARS,
    DBT_PROJECT_DIR,
    DBT_PROJECT_VARS,
    ENVIRONMENT,
    REPO_ROOT,
    Settings,
)


class _Stop(CouldNotRun):
    """Raised in place of running the job once the CLI's settings are captured.

    An expected failure (the CLI turns it into exit 3 and one line), so the test sees the
    CLI stop exactly where it hands its settings to the Dagster definitions.
    """


def _cli_settings(monkeypatch: pytest.MonkeyPatch, *args: str) -> Settings:
    """The Settings `carteira refresh` hands to the Dagster definitions it runs."""
    from orchestration import definitions

    seen: list[Settings] = []

    def capture(settings: Settings | None = None) -> Any:
        assert settings is not None, "the CLI must pass its settings"
        seen.append(settings)
        raise _Stop("stopped by the test")

    with monkeypatch.context() as patch:
        patch.setattr(definitions, "build_definitions", capture)
        result = CliRunner().invoke(main, ["refresh", *args])
    assert result.exit_code == 3 and "stopped by the test" in result.output, result.output
    (settings,) = seen
    return settings


def _as_assets_see_it(settings: Settings) -> Settings:
    """The settings the assets read back from the Dagster resource built from `settings`."""
    from orchestration.resources import CarteiraResource

    return CarteiraResource.from_settings(settings).settings()


def _dagster_settings() -> tuple[Settings, Any]:
    """The settings the Dagster assets see, and the definitions, as `dagster dev` builds them."""
    from orchestration.definitions import build_definitions

    defs = build_definitions()
    return defs.resources["carteira"].settings(), defs


@dataclass(frozen=True)
class Case:
    value: str  # "{tmp}" is the test's folder
    read: Callable[[Settings], object]  # the effective value, as dbt or Dagster receives it
    expected: object
    cli: bool = True  # acts through `carteira ...`
    dagster: bool = True  # acts through the Dagster definitions


CASES: dict[str, Case] = {
    "CARTEIRA_HOME": Case("{tmp}/home", lambda s: s.landing_dir, "{tmp}/home/demo/landing"),
    "CARTEIRA_LANDING": Case("{tmp}/landing", lambda s: s.landing_dir, "{tmp}/landing"),
    "CARTEIRA_WAREHOUSE": Case(
        "{tmp}/w/wh.duckdb",
        lambda s: (s.warehouse_path, s.raw_path, s.dbt_env()["CARTEIRA_BUILD_PATH"]),
        ("{tmp}/w/wh.duckdb", "{tmp}/w/wh.raw.duckdb", "{tmp}/w/wh.duckdb.building"),
    ),
    "CARTEIRA_RAW": Case(
        "{tmp}/r/raw.duckdb",
        lambda s: (s.raw_path, s.dbt_env()["CARTEIRA_RAW_PATH"]),
        ("{tmp}/r/raw.duckdb", "{tmp}/r/raw.duckdb"),
    ),
    "CARTEIRA_QUARANTINE": Case("{tmp}/q", lambda s: s.quarantine_dir, "{tmp}/q"),
    "CARTEIRA_VIEWS_DIR": Case(
        "{tmp}/views", lambda s: s.user_views_dir, "{tmp}/views", dagster=False
    ),
    "CARTEIRA_LAKE": Case("{tmp}/lake", lambda s: s.lake_dir, "{tmp}/lake"),
    "CARTEIRA_AS_OF": Case(
        "2026-03-04",
        lambda s: (s.as_of, s.dbt_vars()["as_of"]),
        (date(2026, 3, 4), "2026-03-04"),
    ),
    "CARTEIRA_TIMEZONE": Case(
        "America/Manaus",
        lambda s: (s.business_timezone, s.dbt_vars()["business_timezone"]),
        ("America/Manaus", "America/Manaus"),
    ),
    "CARTEIRA_CANCELLATION_CUTOFF_HOURS": Case(
        "5", lambda s: s.dbt_vars()["cancellation_cutoff_hours"], 5
    ),
    "CARTEIRA_DUCKDB_MEMORY_LIMIT": Case(
        "3GB", lambda s: s.dbt_env()["CARTEIRA_DUCKDB_MEMORY_LIMIT"], "3GB"
    ),
    "CARTEIRA_DUCKDB_THREADS": Case("7", lambda s: s.dbt_env()["CARTEIRA_DUCKDB_THREADS"], "7"),
    "CARTEIRA_DBT_THREADS": Case("3", lambda s: s.dbt_env()["CARTEIRA_DBT_THREADS"], "3"),
    "CARTEIRA_RAW_LOCK_WAIT_SECONDS": Case("7.5", lambda s: s.raw_lock_wait_seconds, 7.5),
    "CARTEIRA_SCHEDULE_CRON": Case(
        "30 4 * * *", lambda s: s.schedule_cron, "30 4 * * *", cli=False
    ),
    "CARTEIRA_SCHEDULE_TIMEZONE": Case(
        "America/Manaus", lambda s: s.effective_schedule_timezone, "America/Manaus", cli=False
    ),
    "CARTEIRA_LANDING_CUTOFF": Case("07:45", lambda s: s.landing_cutoff, "07:45", cli=False),
    # read when an alert is sent (carteira.operations.alerting), from the one Settings object
    **{
        f"CARTEIRA_ALERT_{name}": Case(
            value, lambda s, a=attr: getattr(s, a), expected, cli=False, dagster=False
        )
        for name, attr, value, expected in (
            ("SMTP_HOST", "alert_smtp_host", "smtp.example.com", "smtp.example.com"),
            ("SMTP_PORT", "alert_smtp_port", "465", 465),
            ("SMTP_TLS", "alert_smtp_tls", "ssl", "ssl"),
            ("SMTP_USER", "alert_smtp_user", "robot", "robot"),
            ("EMAIL_FROM", "alert_email_from", "dw@example.com", "dw@example.com"),
            (
                "EMAIL_TO",
                "alert_email_to",
                "a@example.com,b@example.com",
                "a@example.com,b@example.com",
            ),
        )
    },
    "CARTEIRA_LOCALE": Case("en", lambda s: s.locale, "en", cli=False, dagster=False),
}


def _fill(value: object, tmp: Path) -> object:
    if isinstance(value, tuple):
        return tuple(_fill(v, tmp) for v in value)
    if isinstance(value, str) and "{tmp}" in value:
        return value.format(tmp=tmp)
    return value


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return str(value) if isinstance(value, Path) else value


def test_every_variable_is_tested_and_documented() -> None:
    assert set(CASES) == set(ENVIRONMENT)
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    undocumented = [name for name in ENVIRONMENT if f"`{name}`" not in readme]
    assert not undocumented, f"README does not document {undocumented}"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No CARTEIRA_* variable from the caller; a landing zone the CLI accepts."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CARTEIRA_HOME", str(tmp_path / "default-home"))
    for folder in ("default-home/demo/landing", "home/demo/landing", "landing"):
        (tmp_path / folder).mkdir(parents=True)
    return tmp_path


@pytest.mark.parametrize("name", sorted(CASES))
def test_variable_changes_the_effective_setting_in_cli_and_dagster(
    name: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = clean_env.resolve()
    case = CASES[name]
    expected = _fill(case.expected, tmp)

    # the default differs from the value under test, so the test can fail
    assert _plain(case.read(Settings.from_env())) != expected

    monkeypatch.setenv(name, str(_fill(case.value, tmp)))
    assert _plain(case.read(Settings.from_env())) == expected
    if case.cli:
        cli = _cli_settings(monkeypatch)
        assert _plain(case.read(cli)) == expected
        if case.dagster:  # the CLI runs the job, whose assets read the resource
            assert _plain(case.read(_as_assets_see_it(cli))) == expected
    if case.dagster:
        settings, defs = _dagster_settings()
        if name.startswith("CARTEIRA_SCHEDULE_"):
            schedule = next(s for s in defs.schedules if s.name == "daily_refresh")
            assert expected in (schedule.cron_schedule, schedule.execution_timezone)
        elif name == "CARTEIRA_LANDING_CUTOFF":  # the landing sensor's, not an asset's
            (sensor,) = (s for s in defs.sensors if s.name == "landing_sensor")
            assert f"cut-off ({expected}," in (sensor.description or "")
        else:
            assert _plain(case.read(settings)) == expected


def test_views_dir_through_the_cli(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CARTEIRA_HOME moves the views folder, CARTEIRA_VIEWS_DIR overrides it."""
    runner = CliRunner()
    monkeypatch.setenv("CARTEIRA_HOME", str(clean_env / "home"))
    saved = runner.invoke(main, ["views", "save", "mine", "--filter", "stage=order"])
    assert saved.exit_code == 0, saved.output
    assert str(clean_env.resolve() / "home" / "views" / "mine.yml") in saved.output
    monkeypatch.setenv("CARTEIRA_VIEWS_DIR", str(clean_env / "elsewhere"))
    saved = runner.invoke(main, ["views", "save", "mine", "--filter", "stage=order"])
    assert str(clean_env.resolve() / "elsewhere" / "mine.yml") in saved.output


def test_sql_reads_carteira_warehouse(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    path = clean_env / "answer.duckdb"
    duckdb.connect(str(path)).execute("create table t as select 42 as answer").close()
    monkeypatch.setenv("CARTEIRA_WAREHOUSE", str(path))
    result = CliRunner().invoke(main, ["sql", "select answer from t"])
    assert result.exit_code == 0, result.output
    assert "42" in result.output


def test_flags_win_over_the_environment(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTEIRA_AS_OF", "2026-03-04")
    monkeypatch.setenv("CARTEIRA_WAREHOUSE", str(clean_env / "env.duckdb"))
    settings = _cli_settings(
        monkeypatch,
        "--landing",
        str(clean_env / "landing"),
        "--warehouse",
        str(clean_env / "flag.duckdb"),
        "--as-of",
        "2026-05-06",
    )
    assert settings.as_of == date(2026, 5, 6)
    assert settings.warehouse_path == clean_env.resolve() / "flag.duckdb"
    assert settings.raw_path == clean_env.resolve() / "flag.raw.duckdb"


def test_every_var_the_models_read_is_declared_once_in_dbt_project() -> None:
    """dbt falls back to dbt_project.yml vars; a default inside a var() call would be a second."""
    declared = set(DBT_PROJECT_VARS)
    assert set(Settings.from_env().dbt_vars()) <= declared
    used: set[str] = set()
    with_default: list[str] = []
    call = re.compile(r"""\bvar\(\s*['"]{1,2}(\w+)['"]{1,2}\s*(,)?""")
    roots = [REPO_ROOT / "models", DBT_PROJECT_DIR / "macros", DBT_PROJECT_DIR / "tests"]
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix not in (".sql", ".yml"):
                continue
            for m in call.finditer(path.read_text(encoding="utf-8")):
                used.add(m.group(1))
                if m.group(2):
                    with_default.append(f"{path.name}: {m.group(1)}")
    assert used <= declared, used - declared
    assert not with_default, with_default


def test_the_daily_vars_are_read_through_daily_var_only() -> None:
    """as_of and extracts_through reach a refresh's dbt in the environment (DAILY_DBT_VARS);
    a model reading var('as_of') directly would see the dbt_project.yml default instead."""
    jinja = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
    direct = re.compile(r"""\bvar\(\s*['"]({})['"]""".format("|".join(DAILY_DBT_VARS)))
    offenders = []
    roots = [REPO_ROOT / "models", DBT_PROJECT_DIR / "macros", DBT_PROJECT_DIR / "tests"]
    for root in roots:
        for path in root.rglob("*.sql"):
            if path.name == "daily_var.sql":
                continue
            for block in jinja.findall(path.read_text(encoding="utf-8")):
                offenders += [f"{path.name}: {m.group(0)}" for m in direct.finditer(block)]
    assert not offenders, offenders


def test_a_refresh_passes_the_daily_vars_in_the_environment(tmp_path: Path) -> None:
    settings = Settings.for_warehouse(tmp_path / "l", tmp_path / "w.duckdb", as_of=date(2026, 3, 4))
    cli_vars, env = settings.refresh_dbt_vars()
    assert not set(DAILY_DBT_VARS) & set(cli_vars)
    assert env == {
        "CARTEIRA_DBT_AS_OF": "2026-03-04",
        "CARTEIRA_DBT_EXTRACTS_THROUGH": "2026-03-04",
    }
    # the declared values stay out of --vars, so dbt reuses the project's own parse
    assert cli_vars == {}
    every = {**DBT_PROJECT_VARS, "as_of": "2026-03-04", "extracts_through": "2026-03-04"}
    assert {k: every[k] for k in settings.dbt_vars()} == settings.dbt_vars()
    # a value of this business's own reaches dbt
    elsewhere = replace(settings, business_timezone="America/Manaus", cancellation_cutoff_hours=5)
    assert elsewhere.refresh_dbt_vars() == (
        {"business_timezone": "America/Manaus", "cancellation_cutoff_hours": 5},
        env,
    )
    other = Settings.for_warehouse(tmp_path / "l", tmp_path / "v.duckdb")
    assert settings.dbt_target_path != other.dbt_target_path


@pytest.mark.parametrize(
    ("name", "value"), [("CARTEIRA_DUCKDB_THREADS", "two"), ("CARTEIRA_AS_OF", "21/11/2026")]
)
def test_a_malformed_variable_is_named(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"{name}='{re.escape(value)}': expected"):
        Settings.from_env({name: value})


@pytest.mark.parametrize(
    ("variable", "default", "override"),
    [("DBT_LOG_LEVEL_FILE", "info", "debug"), ("DBT_LOG_FORMAT_FILE", "text", "json")],
)
def test_dbt_writes_its_file_log_as_info_text_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, default: str, override: str
) -> None:
    """Both dbt runners (the refresh and publish-postgres) ask for the same file log."""
    from carteira.serving.postgres.sync import dbt_env_for

    settings = Settings.for_warehouse(tmp_path / "landing", tmp_path / "wh.duckdb")
    monkeypatch.delenv(variable, raising=False)
    assert settings.dbt_env()[variable] == default
    assert dbt_env_for("host=127.0.0.1 dbname=x")[variable] == default
    monkeypatch.setenv(variable, override)
    assert settings.dbt_env()[variable] == override
    assert dbt_env_for("host=127.0.0.1 dbname=x")[variable] == override
