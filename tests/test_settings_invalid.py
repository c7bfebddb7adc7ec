"""Every setting refuses its bad values the same way, through the CLI and through Dagster.

`BAD` lists bad values for every variable of `settings.ENVIRONMENT` (a new variable
without bad values fails `test_every_variable_has_bad_values`). Each must stop
`carteira refresh` with exit 3 and one line on stderr naming the variable, the value
and what is allowed, before anything is written; and stop the Dagster definitions from
loading with that same line.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from carteira.cli.main import main
from carteira.exit_codes import ExitCode
from carteira.setting_values import InvalidSetting, is_cron, is_memory_limit
from carteira.settings import ENVIRONMENT, Settings

# variable -> bad values ("{tmp}" is the test's folder; see `_world` for what is in it)
BAD: dict[str, tuple[str, ...]] = {
    "CARTEIRA_HOME": ("{tmp}/a-file",),
    "CARTEIRA_LANDING": ("{tmp}/missing", "{tmp}/a-file"),
    "CARTEIRA_WAREHOUSE": ("{tmp}/a-folder", "{tmp}/a-file/wh.duckdb"),
    "CARTEIRA_RAW": ("{tmp}/a-folder", "{tmp}/w/wh.duckdb", "{tmp}/w/wh.duckdb.building"),
    "CARTEIRA_QUARANTINE": ("{tmp}/a-file", "{tmp}/landing"),
    "CARTEIRA_VIEWS_DIR": ("{tmp}/a-file",),
    # a file; the landing zone, or inside it; the quarantine; holding the warehouse
    "CARTEIRA_LAKE": (
        "{tmp}/a-file",
        "{tmp}/landing",
        "{tmp}/landing/lake",
        "{tmp}/w/wh.quarantine",
        "{tmp}/w",
    ),
    "CARTEIRA_AS_OF": ("2026-13-45", "21/11/2026", "20261121", "2026-W47-6", "tomorrow"),
    "CARTEIRA_TIMEZONE": ("Mars/Olympus", "../../../etc/passwd", "Brazil/East ", "-3"),
    "CARTEIRA_CANCELLATION_CUTOFF_HOURS": ("abc", "-1", "1.5", "99999999999999999999"),
    "CARTEIRA_DUCKDB_MEMORY_LIMIT": ("lots", "8", "0GB", "150%", "-1GB", "8 parsecs"),
    "CARTEIRA_DUCKDB_THREADS": ("abc", "0", "-2", "2.5", "100000"),
    "CARTEIRA_DBT_THREADS": ("-3", "0", "x"),
    "CARTEIRA_RAW_LOCK_WAIT_SECONDS": ("soon", "-1", "nan", "inf"),
    "CARTEIRA_SCHEDULE_CRON": ("61 * * * *", "0 6 * *", "every day", "0 25 * * *", "0 6 * * 8"),
    "CARTEIRA_SCHEDULE_TIMEZONE": ("Mars/Olympus", "local"),
    "CARTEIRA_LOCALE": ("pt-BR", "fr", "../../etc"),
    "CARTEIRA_LANDING_CUTOFF": ("6", "25:00", "06:60", "6am", "06:00:00"),
    "CARTEIRA_ALERT_SMTP_HOST": ("smtp host", "a;b"),
    "CARTEIRA_ALERT_SMTP_PORT": ("0", "65536", "smtp", "-25"),
    "CARTEIRA_ALERT_SMTP_TLS": ("yes", "STARTTLS ", "tls"),
    "CARTEIRA_ALERT_SMTP_USER": ("ops\nBcc: x@y.z",),
    "CARTEIRA_ALERT_EMAIL_FROM": ("nobody", "a@b.c, d@e.f", "a@b.c\nBcc: x@y.z"),
    "CARTEIRA_ALERT_EMAIL_TO": ("ops", "ops@", "a@b.c\nBcc: x@y.z", "<a@b.c>"),
}

CASES = [(name, value) for name, values in sorted(BAD.items()) for value in values]


def test_every_variable_has_bad_values() -> None:
    assert set(BAD) == set(ENVIRONMENT)


def _world(tmp: Path) -> dict[str, str]:
    """A valid environment in `tmp` (landing zone, a file and a folder to misuse)."""
    (tmp / "landing").mkdir()
    (tmp / "a-folder").mkdir()
    (tmp / "a-file").write_text("not a folder\n", encoding="utf-8")
    return {
        "CARTEIRA_HOME": str(tmp / "home"),
        "CARTEIRA_LANDING": str(tmp / "landing"),
        "CARTEIRA_WAREHOUSE": str(tmp / "w" / "wh.duckdb"),
    }


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tmp = tmp_path.resolve()
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    for name, value in _world(tmp).items():
        monkeypatch.setenv(name, value)
    return tmp


@pytest.mark.parametrize(("name", "value"), CASES)
def test_cli_refresh_exits_3_with_one_line_and_writes_nothing(
    name: str, value: str, world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = value.format(tmp=world)
    monkeypatch.setenv(name, bad)
    before = _tree(world)
    result = CliRunner().invoke(main, ["refresh"])
    assert result.exit_code == ExitCode.COULD_NOT_RUN, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"carteira: invalid setting {name}={bad!r}: "), lines
    assert "expected" in lines[0]
    assert result.stdout == ""
    assert _tree(world) == before, "nothing may be written"


@pytest.mark.parametrize(("name", "value"), CASES)
def test_dagster_definitions_refuse_to_load(
    name: str, value: str, world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration import definitions

    bad = value.format(tmp=world)
    if name == "CARTEIRA_LANDING" and "missing" in value:
        pytest.skip("the definitions do not read the landing zone; its run checks it")
    monkeypatch.setenv(name, bad)
    before = _tree(world)
    try:
        with pytest.raises(InvalidSetting) as caught:
            importlib.reload(definitions)
    finally:
        monkeypatch.undo()
        importlib.reload(definitions)
    (line,) = str(caught.value).splitlines()
    assert line.startswith(f"invalid setting {name}={bad!r}: ") and "expected" in line, line
    assert _tree(world) == before


def test_a_run_launched_with_bad_resource_config_is_refused(world: Path) -> None:
    """The Dagster launchpad can edit the resource config: it is checked as it is read."""
    from orchestration.resources import CarteiraResource

    good = CarteiraResource.from_settings(Settings.from_env())
    fields = good.model_dump()
    for field, bad in [
        ("duckdb_threads", 0),
        ("dbt_threads", -3),
        ("duckdb_memory_limit", "lots"),
        ("business_timezone", "Mars/Olympus"),
        ("as_of", "2026-13-45"),
        ("cancellation_cutoff_hours", -1),
        ("raw_lock_wait_seconds", -1.0),
    ]:
        resource = CarteiraResource(**{**fields, field: bad})
        with pytest.raises(InvalidSetting, match="invalid setting CARTEIRA_"):
            resource.settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CARTEIRA_DUCKDB_THREADS", "abc"),
        ("CARTEIRA_AS_OF", "2026-13-45"),
        ("CARTEIRA_LANDING", "{tmp}/missing"),
    ],
)
def test_the_real_command_prints_one_line(name: str, value: str, tmp_path: Path) -> None:
    """As an operator runs it: a process of its own, stderr exactly one line."""
    tmp = tmp_path.resolve()
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT}
    env |= _world(tmp) | {name: value.format(tmp=tmp)}
    before = _tree(tmp)
    done = subprocess.run(
        [sys.executable, "-m", "carteira.cli.main", "refresh"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == ExitCode.COULD_NOT_RUN, done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert f"invalid setting {name}=" in done.stderr
    assert done.stdout == ""
    assert _tree(tmp) == before


@pytest.mark.parametrize("command", [["sql", "select 1"], ["views", "list"], ["demo"]])
def test_other_commands_refuse_a_bad_setting_too(
    command: list[str], world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARTEIRA_TIMEZONE", "Mars/Olympus")
    before = _tree(world)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == ExitCode.COULD_NOT_RUN, result.output
    assert result.stderr.splitlines() == [
        "carteira: invalid setting CARTEIRA_TIMEZONE='Mars/Olympus': expected an IANA time "
        "zone such as America/Sao_Paulo or UTC"
    ]
    assert _tree(world) == before


GOOD_CRONS = ["0 6 * * *", "*/15 * * * *", "0 6 * * mon-fri", "30 4 1,15 jan-jun 0", "@daily"]
GOOD_MEMORY = ["8GB", "512MB", "1.5GiB", "80%", "100 KB", "8gb"]


def test_accepted_values_are_what_dagster_and_duckdb_accept() -> None:
    """The rules are not looser than the programs that read the values."""
    from dagster._utils.schedules import is_valid_cron_string

    for cron in GOOD_CRONS:
        assert is_cron(cron) and is_valid_cron_string(cron), cron
    for limit in GOOD_MEMORY:
        assert is_memory_limit(limit), limit
        duckdb.connect(":memory:", config={"memory_limit": limit}).close()
    for name in ("CARTEIRA_SCHEDULE_CRON", "CARTEIRA_DUCKDB_MEMORY_LIMIT"):
        for value in BAD[name]:
            assert not (is_cron(value) or is_memory_limit(value)), value
