"""What each setting accepts: the parser and the allowed values of every `Settings` field.

`carteira.settings.Settings` applies these rules when it is built, whoever builds it (the
CLI, the Dagster definitions, the resource a Dagster run reads back), so a bad value
stops every command the same way: :class:`InvalidSetting`, exit 3 ("could not run"),
one line naming the variable, the value and what is allowed, before anything is written.

Kept apart from `carteira.settings` because it is plain validation with no knowledge of
paths or dbt; it imports nothing heavy (the CLI reads settings before it takes the
refresh lock, and must stay fast there).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from carteira.exit_codes import CouldNotRun


class InvalidSetting(CouldNotRun, ValueError):
    """A setting's value is not one it accepts: nothing was attempted (exit 3)."""

    def __init__(
        self,
        variable: str,
        value: object,
        allowed: str,
        *,
        flag: str | None = None,
        problem: str | None = None,
    ) -> None:
        also = f" (set by {variable} or {flag})" if flag else ""
        text = value if isinstance(value, str) else str(value)
        why = f"{problem}; " if problem else ""
        super().__init__(f"invalid setting {variable}={text!r}: {why}expected {allowed}{also}")
        self.variable = variable


@dataclass(frozen=True)
class Rule:
    """How a setting is read from its variable's text, and which values it accepts."""

    allowed: str  # what the message says is allowed
    parse: Callable[[str], Any]  # text of the variable -> value (ValueError if malformed)
    accepts: Callable[[Any], bool] = lambda value: True


def _whole(text: str) -> int:
    if not re.fullmatch(r"\s*[+-]?\d+\s*", text):
        raise ValueError(text)
    return int(text)


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _iso_date(text: str) -> date:
    # date.fromisoformat also takes 20261121 and 2026-W47-6: one spelling only
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise ValueError(text)
    return date.fromisoformat(text.strip())


def is_time_zone(name: object) -> bool:
    """An IANA time zone this machine knows (what DuckDB's ICU and Python both read)."""
    if not isinstance(name, str) or not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# DuckDB's memory_limit syntax: a size with a unit, or a share of the machine's memory.
_SIZE = re.compile(
    r"\s*(?P<number>\d+(\.\d+)?)\s*(?P<unit>bytes|b|kb|mb|gb|tb|kib|mib|gib|tib|k|m|g|t)\s*",
    re.IGNORECASE,
)
_SHARE = re.compile(r"\s*(?P<number>\d+(\.\d+)?)\s*%\s*")


def is_memory_limit(text: object) -> bool:
    """`8GB`, `512MB`, `1.5GiB`, `80%`: more than nothing, at most all of the memory."""
    if not isinstance(text, str):
        return False
    size = _SIZE.fullmatch(text)
    if size:
        return float(size["number"]) > 0
    share = _SHARE.fullmatch(text)
    return bool(share) and 0 < float(share["number"]) <= 100


_CRON_FIELDS = (  # (lowest, highest, names) of minute, hour, day of month, month, weekday
    (0, 59, ()),
    (0, 23, ()),
    (1, 31, ()),
    (1, 12, ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]),
    (0, 7, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
)
_CRON_ALIASES = ("@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually")


def _cron_value(text: str, low: int, high: int, names: tuple[str, ...] | list[str]) -> int:
    if text.lower() in names:
        return list(names).index(text.lower()) + low
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(text)
    return int(text)


def is_cron(text: object) -> bool:
    """A standard five-field cron line (numbers, names, `*`, ranges, lists, steps) or an
    alias such as `@daily`: the subset every cron reader, Dagster's included, takes."""
    if not isinstance(text, str):
        return False
    if text.strip() in _CRON_ALIASES:
        return True
    parts = text.split()
    if len(parts) != len(_CRON_FIELDS):
        return False
    try:
        for part, (low, high, names) in zip(parts, _CRON_FIELDS, strict=True):
            for item in part.split(","):
                span, _, step = item.partition("/")
                if step and (not step.isdigit() or int(step) < 1):
                    return False
                if span == "*":
                    continue
                first, dash, last = span.partition("-")
                start = _cron_value(first, low, high, names)
                if dash and _cron_value(last, low, high, names) < start:
                    return False
    except ValueError:
        return False
    return True


def _text(text: str) -> str:
    return text


def parse_time_of_day(text: str) -> time:
    """`HH:MM` on a 24-hour clock (`06:00`, `23:59`); ValueError otherwise."""
    if not re.fullmatch(r"\d{2}:\d{2}", text.strip()):
        raise ValueError(text)
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))


def is_time_of_day(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        parse_time_of_day(text)
    except ValueError:
        return False
    return True


# One address: a local part and a domain with a dot, no spaces, commas or angle brackets
# (a header-injection attempt such as "a@b.c\nBcc: x" is refused with the rest).
_EMAIL = re.compile(r"[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[^@\s,;<>\"']+")


def is_email_list(text: object, *, allow_empty: bool = True) -> bool:
    """Addresses separated by `,` or `;` (empty: no e-mail is sent)."""
    if not isinstance(text, str):
        return False
    if "\n" in text or "\r" in text:
        return False
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts:
        return allow_empty and not text.strip()
    return all(_EMAIL.fullmatch(p) for p in parts)


def is_host(text: object) -> bool:
    """A host name or an address (empty: no e-mail is sent)."""
    return isinstance(text, str) and re.fullmatch(r"[A-Za-z0-9.\-:\[\]]*", text) is not None


# The dashboards' languages: bi/superset/localize.py (Superset's own environment, which
# cannot import this package) writes a bundle for each; a test checks the two agree.
LOCALES = ("pt_BR", "en")
MAX_THREADS = 1024
MAX_CUTOFF_HOURS = 24 * 365

# Settings field -> its rule. Path fields are checked by `Settings` itself (they depend on
# each other and on what exists on disk); booleans and extra_vars never come as text.
RULES: dict[str, Rule] = {
    "as_of": Rule("a date YYYY-MM-DD", _iso_date, lambda v: v is None or isinstance(v, date)),
    "business_timezone": Rule(
        "an IANA time zone such as America/Sao_Paulo or UTC", _text, is_time_zone
    ),
    "cancellation_cutoff_hours": Rule(
        f"a whole number of hours from 0 to {MAX_CUTOFF_HOURS}",
        _whole,
        lambda v: isinstance(v, int) and 0 <= v <= MAX_CUTOFF_HOURS,
    ),
    "duckdb_memory_limit": Rule(
        "a DuckDB memory limit such as 8GB, 512MB, 1.5GiB or 80%", _text, is_memory_limit
    ),
    "duckdb_threads": Rule(
        f"a whole number from 1 to {MAX_THREADS}",
        _whole,
        lambda v: isinstance(v, int) and 1 <= v <= MAX_THREADS,
    ),
    "dbt_threads": Rule(
        f"a whole number from 1 to {MAX_THREADS}",
        _whole,
        lambda v: isinstance(v, int) and 1 <= v <= MAX_THREADS,
    ),
    "raw_lock_wait_seconds": Rule(
        "a number of seconds, 0 or more",
        _number,
        lambda v: isinstance(v, int | float) and math.isfinite(v) and v >= 0,
    ),
    "schedule_cron": Rule(
        "a five-field cron line such as '0 6 * * *' (minute hour day month weekday) or @daily",
        _text,
        is_cron,
    ),
    "schedule_timezone": Rule(
        "an IANA time zone such as America/Sao_Paulo, or empty for the business time zone",
        _text,
        lambda v: v == "" or is_time_zone(v),
    ),
    "locale": Rule("pt_BR or en", _text, lambda v: v in LOCALES),
    "landing_cutoff": Rule("a time of day HH:MM such as 06:00", _text, is_time_of_day),
    "alert_smtp_host": Rule(
        "a host name or address, or empty for no e-mail alerts", _text, is_host
    ),
    "alert_smtp_port": Rule(
        "a port number from 1 to 65535",
        _whole,
        lambda v: isinstance(v, int) and 1 <= v <= 65535,
    ),
    "alert_smtp_tls": Rule(
        "starttls, ssl or none", _text, lambda v: v in ("starttls", "ssl", "none")
    ),
    "alert_smtp_user": Rule(
        "a user name without line breaks",
        _text,
        lambda v: isinstance(v, str) and "\n" not in v and "\r" not in v,
    ),
    "alert_email_from": Rule(
        "one e-mail address, or empty for carteira@<host>",
        _text,
        lambda v: is_email_list(v) and "," not in v and ";" not in v,
    ),
    "alert_email_to": Rule(
        "e-mail addresses separated by commas, or empty for no e-mail alerts",
        _text,
        is_email_list,
    ),
}
