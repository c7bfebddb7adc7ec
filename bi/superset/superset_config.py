"""Superset configuration for Carteira, read by Superset through SUPERSET_CONFIG_PATH.

Everything that differs per installation comes from the environment set by
`manage.py` (`carteira superset up`): the metadata database lives in SQLite under the
warehouse directory, so one warehouse has one Superset state and deleting that folder
resets it.
"""

from __future__ import annotations

import os

_STATE_DIR = os.environ["CARTEIRA_SUPERSET_STATE"]

SECRET_KEY = os.environ["CARTEIRA_SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = "sqlite:///" + os.path.join(_STATE_DIR, "superset.db")
DATA_DIR = _STATE_DIR

# Row-level security rules are generated from marts.staff_visibility (see manage.py).
FEATURE_FLAGS = {
    "ROW_LEVEL_SECURITY": True,
    "DASHBOARD_NATIVE_FILTERS": True,
    "DASHBOARD_CROSS_FILTERS": True,
    "DRILL_TO_DETAIL": True,
    "DRILL_BY": True,
    "ALERT_REPORTS": False,
    # Jinja in virtual datasets: the telesales dataset takes the report's two windows
    # from the one call-period filter ({{ from_dttm }}, {{ to_dttm }}) and applies the
    # population filters inside (filter_values), as queries/telesales.sql does. Only
    # administrators write dataset SQL; staff roles have no SQL Lab.
    "ENABLE_TEMPLATE_PROCESSING": True,
}

# Local single-machine service: no CSRF on the JSON API used by the tests and the importer,
# no rate limiter storage backend, no telemetry, no thumbnails (no worker is running).
WTF_CSRF_ENABLED = True
WTF_CSRF_EXEMPT_LIST = ["superset.views.core.log", "superset.charts.data.api.data"]
RATELIMIT_ENABLED = False
AUTH_RATE_LIMITED = False
TALISMAN_ENABLED = False
CONTENT_SECURITY_POLICY_WARNING = False
SCHEDULED_QUERIES: dict = {}
THUMBNAILS_ENABLED = False
LOG_LEVEL = "WARNING"
SQLLAB_CTAS_NO_LIMIT = True
ROW_LIMIT = 50000
PREVENT_UNSAFE_DB_CONNECTIONS = False
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
APP_NAME = "Carteira"

# Language and number/date formats of the business (CARTEIRA_LOCALE, set by `carteira
# superset up --locale`; the dashboards' own titles come from bundle/<locale>/). pt_BR:
# Superset's interface in Portuguese, R$ 1.234,56 and dd/mm/aaaa; en: English, R$ 1,234.56.
LOCALE = os.environ.get("CARTEIRA_LOCALE", "pt_BR")
BABEL_DEFAULT_LOCALE = LOCALE
LANGUAGES = {
    "pt_BR": {"flag": "br", "name": "Português (Brasil)"},
    "en": {"flag": "us", "name": "English"},
}
if LOCALE == "pt_BR":
    D3_FORMAT = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["R$ ", ""]}
    D3_TIME_FORMAT = {
        "dateTime": "%d/%m/%Y %H:%M:%S",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["domingo", "segunda", "terça", "quarta", "quinta", "sexta", "sábado"],
        "shortDays": ["dom", "seg", "ter", "qua", "qui", "sex", "sáb"],
        "months": [
            "janeiro", "fevereiro", "março", "abril", "maio", "junho",
            "julho", "agosto", "setembro", "outubro", "novembro", "dezembro",
        ],
        "shortMonths": [
            "jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez",
        ],
    }  # fmt: skip
else:
    D3_FORMAT = {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["R$ ", ""]}
CURRENCIES = ["BRL", "USD", "EUR"]
