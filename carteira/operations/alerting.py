"""Alert messages and their delivery: e-mail (SMTP) and/or a chat webhook.

An alert says what failed, which file/model/check, and what to do; the same text goes
to every configured channel:

- e-mail when ``CARTEIRA_ALERT_SMTP_HOST`` and ``CARTEIRA_ALERT_EMAIL_TO`` are set
  (port, TLS mode ``starttls``/``ssl``/``none``, user and sender are settings too);
- a webhook when ``CARTEIRA_ALERT_WEBHOOK_URL`` is set: a POST of ``{"text": ...}``, the
  JSON that Slack and Microsoft Teams incoming webhooks both accept.

The secrets, ``CARTEIRA_ALERT_SMTP_PASSWORD`` and the webhook URL (a Slack or Teams URL
is itself a credential), are read from the environment when a message is sent: they are
not settings, so they never appear in a `Settings` repr, the Dagster UI's resource config
or a log line; errors name the host, never the URL or the password.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage

from carteira.settings import Settings

PASSWORD_ENV = "CARTEIRA_ALERT_SMTP_PASSWORD"
WEBHOOK_ENV = "CARTEIRA_ALERT_WEBHOOK_URL"
TLS_MODES = ("starttls", "ssl", "none")
TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Alert:
    """One message: a subject line, the details, and what to do about it."""

    kind: str  # run_failed | check_failed | quarantine | freshness
    subject: str
    details: list[str] = field(default_factory=list)
    action: str = ""

    def text(self) -> str:
        lines = [f"[carteira] {self.subject}", *self.details]
        if self.action:
            lines += ["", f"What to do: {self.action}"]
        return "\n".join(lines)


class AlertDeliveryError(Exception):
    """No configured channel took the message (the reasons name no secret)."""


def channels(settings: Settings, environ: Mapping[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    out = []
    if settings.alert_smtp_host and settings.alert_email_to:
        out.append("email")
    if env.get(WEBHOOK_ENV):
        out.append("webhook")
    return out


def send(alert: Alert, settings: Settings, environ: Mapping[str, str] | None = None) -> list[str]:
    """Send ``alert`` to every configured channel; the channels that took it.

    Raises :class:`AlertDeliveryError` when channels are configured and none took it, so
    the caller (a sensor tick) fails and is retried; one channel failing is returned as
    not delivered but does not stop the other.
    """
    env = os.environ if environ is None else environ
    wanted = channels(settings, env)
    delivered, errors = [], []
    for channel in wanted:
        try:
            if channel == "email":
                _email(alert, settings, env.get(PASSWORD_ENV) or None)
            else:
                _webhook(alert, env[WEBHOOK_ENV])
            delivered.append(channel)
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            errors.append(f"{channel}: {_safe(exc, env)}")
    if wanted and not delivered:
        raise AlertDeliveryError("; ".join(errors))
    return delivered


def _safe(exc: BaseException, env: Mapping[str, str]) -> str:
    """An error's text with any secret blanked out (a URL can appear in a urllib error)."""
    text = f"{type(exc).__name__}: {exc}"
    for name in (PASSWORD_ENV, WEBHOOK_ENV):
        secret = env.get(name)
        if secret:
            text = text.replace(secret, f"<{name}>")
    return text


def _email(alert: Alert, settings: Settings, password: str | None) -> None:
    mode = settings.alert_smtp_tls
    if mode not in TLS_MODES:
        raise ValueError(f"CARTEIRA_ALERT_SMTP_TLS={mode!r}: expected one of {TLS_MODES}")
    message = EmailMessage()
    message["Subject"] = f"[carteira] {alert.subject}"
    message["From"] = settings.alert_email_from or f"carteira@{settings.alert_smtp_host}"
    message["To"] = ", ".join(_recipients(settings.alert_email_to))
    message.set_content(alert.text())
    host, port = settings.alert_smtp_host, settings.alert_smtp_port
    context = ssl.create_default_context()
    if mode == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        server = smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
    with server:
        if mode == "starttls":
            server.starttls(context=context)
        if settings.alert_smtp_user:
            server.login(settings.alert_smtp_user, password or "")
        server.send_message(message)


def _recipients(value: str) -> list[str]:
    return [a.strip() for a in value.replace(";", ",").split(",") if a.strip()]


def _webhook(alert: Alert, url: str) -> None:
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"{WEBHOOK_ENV} must be an http(s) URL")
    request = urllib.request.Request(
        url,
        data=json.dumps({"text": alert.text()}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        if response.status >= 300:
            raise OSError(f"webhook answered HTTP {response.status}")
