"""Value formats of the source systems, shared by the SQL conversion and the GX validation.

Quarantine (decided in SQL while loading) and extract validation (great-expectations on
the file read as text) must agree: a value that does not convert must also fail its
expectation.  Both therefore use the *same* regular expression per (system, type), written
in the common subset of RE2 (DuckDB) and Python ``re``.  The patterns are exact: dates are
validated per month including leap years, integers and decimals are bounded so that a
matching value always fits ``BIGINT`` / ``DECIMAL(18,2)``.  A value matching the pattern
therefore always converts, and a value not matching it is always quarantined.
"""

from __future__ import annotations

from carteira.contract import Column, SystemFormat

# ----------------------------------------------------------------- building blocks
_D = "[0-9]"
_YEAR = "[1-9][0-9]{3}"
# years divisible by 4 and (not by 100, or by 400)
_LEAP_YEAR = "(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[13579][26]|[2468][048])00)"
_DAY_1_28 = "(?:0[1-9]|1[0-9]|2[0-8])"
_MONTH = "(?:0[1-9]|1[0-2])"
_MONTH_30 = "(?:0[13-9]|1[0-2])"  # months with at least 30 days
_MONTH_31 = "(?:0[13578]|1[02])"
_TIME_HM = "(?:[01][0-9]|2[0-3]):[0-5][0-9]"
_TIME_HMS = _TIME_HM + ":[0-5][0-9]"


def _ymd(sep: str) -> str:
    md = f"(?:{_MONTH}{sep}{_DAY_1_28}|{_MONTH_30}{sep}(?:29|30)|{_MONTH_31}{sep}31)"
    return f"(?:{_YEAR}{sep}{md}|{_LEAP_YEAR}{sep}02{sep}29)"


def _dmy(sep: str) -> str:
    dm = f"(?:{_DAY_1_28}{sep}{_MONTH}|(?:29|30){sep}{_MONTH_30}|31{sep}{_MONTH_31})"
    return f"(?:{dm}{sep}{_YEAR}|29{sep}02{sep}{_LEAP_YEAR})"


_INT = "-?[0-9]{1,18}"  # always fits BIGINT
_DEC_DOT = "-?[0-9]{1,16}(?:\\.[0-9]{1,2})?"  # always fits DECIMAL(18,2), never rounds
_DEC_COMMA = (
    "-?(?:[0-9]{1,16}|[0-9]{1,3}(?:\\.[0-9]{3}){1,4}|[0-9](?:\\.[0-9]{3}){5})(?:,[0-9]{1,2})?"
)

# strptime formats DuckDB uses once the pattern matched
_DATE_FMT = {"%Y-%m-%d": _ymd("-"), "%d/%m/%Y": _dmy("/")}
_TS_PATTERNS = {
    "%Y-%m-%d %H:%M:%S": _ymd("-") + " " + _TIME_HMS,
    "%Y-%m-%d %H:%M": _ymd("-") + " " + _TIME_HM,
    "%d/%m/%Y %H:%M:%S": _dmy("/") + " " + _TIME_HMS,
}
# crm: ISO-8601 UTC with Z, optional fraction of a second
_TS_UTC_Z = _ymd("-") + "T" + _TIME_HMS + "(?:\\.[0-9]{1,6})?Z"


def value_pattern(fmt: SystemFormat, col: Column) -> str | None:
    """Regex (without anchors) a non-null text value of ``col`` must fully match.

    ``None`` for free text (``str``) and for ``str[]``, whose check is JSON-structural.
    """
    t = col.type
    if t == "int":
        return _INT
    if t == "dec":
        return _DEC_COMMA if fmt.decimal_comma else _DEC_DOT
    if t == "bool":
        return f"(?:{fmt.true_token}|{fmt.false_token})"
    if t == "date":
        return _DATE_FMT[fmt.date_format]
    if t == "ts":
        return _TS_UTC_Z if fmt.ts_format is None else _TS_PATTERNS[fmt.ts_format]
    return None


def python_regex(pattern: str) -> str:
    """Anchor a pattern for ``re.search`` (GX pandas) exactly like RE2 full match.

    ``\\Z`` rather than ``$``: Python's ``$`` also matches before a trailing newline.
    """
    return f"^(?:{pattern})\\Z"


def expected_format(fmt: SystemFormat, col: Column) -> str:
    """Human description of the expected format, used in quarantine reasons."""
    t = col.type
    if t == "int":
        return "an integer"
    if t == "dec":
        return "a decimal like 1.234,56" if fmt.decimal_comma else "a decimal like 1234.56"
    if t == "bool":
        return f"{fmt.true_token}/{fmt.false_token}"
    if t == "date":
        return "a date " + fmt.date_format.replace("%Y", "YYYY").replace("%m", "MM").replace(
            "%d", "DD"
        )
    if t == "ts":
        if fmt.ts_format is None:
            return "a UTC timestamp YYYY-MM-DDTHH:MM:SSZ"
        return "a timestamp " + (
            fmt.ts_format.replace("%Y", "YYYY")
            .replace("%m", "MM")
            .replace("%d", "DD")
            .replace("%H", "HH")
            .replace("%M", "MM")
            .replace("%S", "SS")
        )
    if t == "str[]":
        return "a JSON array"
    return "text"


# The one character DuckDB holds in text and PostgreSQL cannot (``invalid byte sequence
# for encoding "UTF8": 0x00``; jsonb refuses its escape \\u0000 too): a value holding it
# would load into the append-only raw layer and then block every `publish-postgres`.
# Other control characters are valid text in both and pass through.
NUL = "\x00"
NUL_REASON = (
    "text holds a NUL character (byte 0x00 or \\u0000), which PostgreSQL cannot store; "
    "the source must remove it"
)


def name_problem(names: list[str]) -> str | None:
    """Why a file's column names (CSV header, JSON keys) cannot be loaded, or None."""
    bad = [n for n in names if NUL in n]
    if bad:
        shown = ", ".join(repr(n) for n in bad[:3])
        return f"column name(s) {shown} hold a NUL character, which PostgreSQL cannot store"
    return None


def sql_literal(text: str) -> str:
    """Single-quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    """Double-quoted SQL identifier (file headers may contain anything)."""
    return '"' + name.replace('"', '""') + '"'


def sql_convert(fmt: SystemFormat, col: Column, v: str) -> str:
    """SQL expression converting the VARCHAR expression ``v`` to the column's raw type.

    NULL when ``v`` is NULL *or* does not convert; the caller flags the second case.
    Decimals go text -> DECIMAL directly (never through a float).
    """
    t = col.type
    if t == "str":
        return v
    if t == "str[]":
        return (
            f"(CASE WHEN json_valid({v}) AND json_type(CAST({v} AS JSON)) = 'ARRAY' "
            f"THEN try_cast(CAST({v} AS JSON) AS VARCHAR[]) END)"
        )
    pattern = value_pattern(fmt, col)
    assert pattern is not None
    gate = f"regexp_full_match({v}, {sql_literal(pattern)})"
    if t == "int":
        conv = f"try_cast({v} AS BIGINT)"
    elif t == "dec":
        text = f"replace(replace({v}, '.', ''), ',', '.')" if fmt.decimal_comma else v
        conv = f"try_cast({text} AS DECIMAL(18,2))"
    elif t == "bool":
        conv = f"({v} = {sql_literal(fmt.true_token)})"
    elif t == "date":
        conv = f"CAST(try_strptime({v}, {sql_literal(fmt.date_format)}) AS DATE)"
    elif t == "ts":
        if fmt.ts_format is None:
            conv = f"try_cast(replace(replace({v}, 'T', ' '), 'Z', '') AS TIMESTAMP)"
        else:
            conv = f"try_strptime({v}, {sql_literal(fmt.ts_format)})"
    else:  # pragma: no cover - contract types are closed
        raise ValueError(f"unknown contract type {t!r}")
    return f"(CASE WHEN {gate} THEN {conv} END)"
