"""Alerts (issue 24), end to end: a Dagster run, the run-status sensors, a local SMTP sink
and a local webhook receiver. Each event is one message, says what and what to do, and
the SMTP password and webhook URL appear in no log, no message, no error."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    build_run_status_sensor_context,
)

from carteira.contract import TABLES
from carteira.operations.alerting import Alert, AlertDeliveryError, send
from carteira.settings import Settings
from tests.helpers.alert_sinks import HookReceiver, SmtpSink, serving

DAY = date(2026, 11, 20)
PASSWORD = "pw-Very-S3cret"
BAD = "erp/receivables/receivables_20261121_2.csv"


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two days; erp stopped after the first, and one unreadable erp file."""
    from carteira.generator import generate

    root = tmp_path_factory.mktemp("alerts") / "landing"
    generate(root, DAY, 2, "tiny", 3)
    for path in (root / "erp").rglob("*_20261121*"):
        path.unlink()
    (root / BAD).write_text("foo;bar\n1;2\n", encoding="latin-1")
    return root


@pytest.fixture
def sinks(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    smtp, hook = SmtpSink(), HookReceiver()
    with serving(smtp), serving(hook):
        monkeypatch.setenv("CARTEIRA_ALERT_SMTP_PASSWORD", PASSWORD)
        monkeypatch.setenv("CARTEIRA_ALERT_WEBHOOK_URL", hook.url)
        yield smtp, hook


def _settings(landing: Path, tmp_path: Path, smtp: SmtpSink, **more: object) -> Settings:
    base = Settings.for_warehouse(landing, tmp_path / "warehouse.duckdb", as_of=DAY + timedelta(1))
    return replace(
        base,
        alert_smtp_host="127.0.0.1",
        alert_smtp_port=smtp.port,
        alert_smtp_tls="none",
        alert_smtp_user="alerts@example.com",
        alert_email_from="carteira@example.com",
        alert_email_to="ops@example.com, dados@example.com",
        **more,
    )


def _run_raw(settings: Settings, instance: DagsterInstance):  # noqa: ANN202
    from orchestration.definitions import build_definitions

    defs = build_definitions(settings)
    keys = [AssetKey(["raw", t.fqn]) for t in TABLES] + [AssetKey(["landing_zone"])]
    return defs, defs.resolve_job_def("refresh").execute_in_process(
        instance=instance, raise_on_error=False, asset_selection=keys
    )


def _sense(defs, instance: DagsterInstance, run_id: str, name: str) -> None:  # noqa: ANN001
    run = instance.get_run_by_id(run_id)
    kind = (
        DagsterEventType.RUN_SUCCESS
        if name.endswith("finished_run")
        else DagsterEventType.RUN_FAILURE
    )
    (record,) = instance.all_logs(run_id, of_type=kind)
    sensor = next(s for s in defs.sensors if s.name == name)
    context = build_run_status_sensor_context(
        sensor_name=name, dagster_instance=instance, dagster_run=run,
        dagster_event=record.dagster_event,
    )  # fmt: skip
    sensor(context)


def _texts(smtp: SmtpSink, hook: HookReceiver) -> tuple[list[str], list[str]]:
    mails = [
        m.get_content() if hasattr(m, "get_content") else m.get_payload() for m in smtp.messages
    ]
    return mails, [body["text"] for _, _, body in hook.posts]


def test_quarantine_and_a_late_source_each_send_one_message_by_mail_and_webhook(
    landing: Path,
    tmp_path: Path,
    sinks,
    caplog: pytest.LogCaptureFixture,
    capfd,  # noqa: ANN001
) -> None:
    smtp, hook = sinks
    caplog.set_level(logging.DEBUG)
    settings = _settings(landing, tmp_path, smtp)
    with DagsterInstance.ephemeral() as instance:
        defs, result = _run_raw(settings, instance)
        assert result.success
        _sense(defs, instance, result.run_id, "alert_on_finished_run")
        mails, posts = _texts(smtp, hook)
        assert len(smtp.messages) == len(hook.posts) == 2  # quarantine, freshness
        subjects = sorted(m["Subject"] for m in smtp.messages)
        assert subjects[0].startswith("[carteira] 1 file(s) quarantined")
        assert subjects[1] == "[carteira] source(s) late: erp"
        assert smtp.messages[0]["To"] == "ops@example.com, dados@example.com"
        quarantine = next(t for t in posts if "quarantined" in t.splitlines()[0])
        assert BAD in quarantine and "What to do:" in quarantine and "corrected file" in quarantine
        late = next(t for t in posts if "late" in t.splitlines()[0])
        assert "erp__receivables: last extract 2026-11-20" in late
        assert "crm" not in late.splitlines()[0]
        assert all(ct == "application/json" for _, ct, _ in hook.posts)
        assert smtp.logins == [("alerts@example.com", PASSWORD)] * 2  # one per message

        # the hourly freshness job finds the same breach: not said again
        fresh = defs.resolve_job_def("source_freshness").execute_in_process(instance=instance)
        _sense(defs, instance, fresh.run_id, "alert_on_finished_run")
        assert len(hook.posts) == 2 and len(smtp.messages) == 2

    out, err = capfd.readouterr()
    everything = "\n".join([caplog.text, out, err, *mails, *posts])
    assert PASSWORD not in everything
    assert hook.url not in everything and "secret-token" not in everything


def test_a_failed_run_sends_one_failure_message_naming_the_step(
    landing: Path,
    tmp_path: Path,
    sinks,  # noqa: ANN001
) -> None:
    smtp, hook = sinks
    settings = _settings(landing, tmp_path, smtp)
    settings = replace(settings, raw_path=tmp_path / "a-folder.duckdb")
    settings.raw_path.mkdir()  # the raw step cannot open it
    with DagsterInstance.ephemeral() as instance:
        defs, result = _run_raw(settings, instance)
        assert not result.success
        _sense(defs, instance, result.run_id, "alert_on_failed_run")
    (failure,) = [t for _, _, b in hook.posts for t in [b["text"]] if "refresh failed" in t]
    assert "raw_tables:" in failure
    assert "nothing was published" in failure and "What to do:" in failure
    assert len(smtp.messages) == len(hook.posts)


def test_an_unreachable_channel_is_an_error_that_names_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = HookReceiver(status=500)
    with serving(hook):
        monkeypatch.setenv("CARTEIRA_ALERT_WEBHOOK_URL", hook.url)
        monkeypatch.setenv("CARTEIRA_ALERT_SMTP_PASSWORD", PASSWORD)
        settings = replace(
            Settings.for_warehouse(tmp_path, tmp_path / "wh.duckdb"),
            alert_smtp_host="127.0.0.1",
            alert_smtp_port=1,  # nothing listens
            alert_smtp_tls="none",
            alert_smtp_user="u",
            alert_email_to="ops@example.com",
        )
        with pytest.raises(AlertDeliveryError) as info:
            send(Alert("run_failed", "x"), settings)
    message = str(info.value)
    assert "email:" in message and "webhook:" in message
    assert PASSWORD not in message and "secret-token" not in message


def test_no_channel_configured_sends_nothing(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("CARTEIRA_ALERT_WEBHOOK_URL", raising=False)
    settings = Settings.for_warehouse(tmp_path, tmp_path / "wh.duckdb")
    assert send(Alert("run_failed", "x"), settings) == []


def test_a_cli_refresh_without_dagster_home_sends_its_own_alerts(
    landing: Path,
    tmp_path: Path,
    sinks,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    """No daemon watches a throw-away instance, so `carteira refresh` sends them itself."""
    from orchestration.run import run_refresh

    smtp, hook = sinks
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    outcome = run_refresh(_settings(landing, tmp_path, smtp), raw_only=True)
    assert outcome.exit_code == 1
    heads = sorted(body["text"].splitlines()[0] for _, _, body in hook.posts)
    assert heads[0].startswith("[carteira] 1 file(s) quarantined")
    assert heads[1] == "[carteira] source(s) late: erp"
    assert len(smtp.messages) == 2
