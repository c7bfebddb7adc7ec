"""Write the source contract's page, docs/contract/sources.md, from `carteira.contract`.

The contract is what every source system delivers and what the generator imitates. Its
tables, columns, types, keys, enums and file formats are declared once, in
`carteira/contract.py`; the page a newcomer reads is written from that declaration, so it
cannot drift from what the ingestion enforces. What is not data (deliveries, deletion,
identity, the status rules) is the fixed prose below, each rule linked to the macro or
model that implements it. A contract change is one edit in `carteira/contract.py` plus::

    uv run python -m carteira.devtools.contract_doc          # rewrite the page
    uv run python -m carteira.devtools.contract_doc --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from carteira.contract import SYSTEMS, TABLES, Column, SystemFormat, Table

REPO = Path(__file__).resolve().parents[2]
DOC_FILE = REPO / "docs" / "contract" / "sources.md"

SYSTEM_TITLES: dict[str, str] = {
    "crm": "the CRM",
    "pbx": "the phone system's call detail records",
    "studio": "classes and bookings",
    "erp": "the ERP",
}

ENCODINGS: dict[str, str] = {"utf-8": "UTF-8", "latin-1": "ISO-8859-1 (Latin-1)"}
STRFTIME: dict[str, str] = {
    "%Y": "YYYY",
    "%m": "MM",
    "%d": "DD",
    "%H": "HH",
    "%M": "MM",
    "%S": "SS",
}

HEADER = """\
<!-- Written from carteira/contract.py by `python -m carteira.devtools.contract_doc`;
     tests/test_contract_doc.py fails when it is out of date. Edit the module, not this page. -->

# Source extract contract

The warehouse serves a business group whose operational systems export extracts every
day: {systems} source systems, {tables} tables. This page is the contract: the ingestion
reads exactly these files, and the synthetic generator (`carteira/generator/`) writes
exactly these files, with the same layout, formats and quirks, so that real extracts and
generated ones are interchangeable. The reports the warehouse backs are in
[reports.md](reports.md).

## Files and deliveries

- Layout: `<landing>/<system>/<table>/<table>_<YYYYMMDD>.<ext>`, e.g.
  `landing/erp/receivables/receivables_20261121.csv`. The date is the extraction date.
  A second delivery on the same day is named `<table>_<YYYYMMDD>_<n>.<ext>` (n = 2, 3, ...).
- Every file is a **delta**: the full current image of every record created or changed
  since the previous extract of that table. The first file of a table is a full export.
  A record can therefore appear in many files; the version that counts is the one with
  the greatest `updated_at`, ties broken by the later file (date, then n), then by the
  later row in the file
  ([`current_version`](../../dbt_project/macros/staging/current_version.sql)).
- Deletion is soft: a record whose `deleted_at` is set is gone from the business's point
  of view (it leaves current-state marts) but its history stays in the warehouse
  (staging keeps it with `is_deleted`). Tables without `deleted_at` never delete.
- A table without `updated_at` ({immutable}) holds immutable records: a key seen twice
  is a re-delivery of the same record.
- A file delivered again with identical content changes nothing. A file delivered again
  under the same name with different content is a correction: its rows are loaded as new
  versions.
- Columns may be added by a source at any time (schema drift): unknown columns do not
  break ingestion and are kept in the raw layer (`_extras`,
  [architecture](../architecture.md)). A missing required column, a file that cannot be
  parsed, or a row whose key is empty is bad input: it is set aside (quarantined) with
  the reason, never silently dropped, and never stops the other tables from loading.
- Business time zone: `America/Sao_Paulo` unless configured otherwise (the dbt var
  `business_timezone`, `CARTEIRA_TIMEZONE`). Report periods are local calendar
  dates in that zone.

## Formats per system

| system | format | encoding | timestamps | dates | numbers | booleans |
|---|---|---|---|---|---|---|
{formats}

A CSV file has a header row and `"` quoting; an empty field is null. A JSON Lines file
holds one object per line; an absent key is null. Names and texts contain accented
characters (Portuguese), quotes, `;` and newlines inside quoted fields.

Identifiers: {identifiers} For example `"c_000123"` (crm), `"C004512"` (an erp
`customer_code`).

## Cross-system identity

- One person is one client. `crm.clients.client_id`, `studio.members.member_id` and
  `erp.customers.customer_code` are the same person when their `document_number`
  (Brazilian CPF, 11 digits, or CNPJ, 14 digits) is equal after removing every non-digit
  character and the check digits are valid. Formats seen: `123.456.789-09`,
  `12345678909`, `12.345.678/0001-95`. Anything else (null, wrong length, bad check
  digits) matches nothing; the record is still a client of its own
  ([`normalize_document_number`](../../dbt_project/macros/rules/normalize_document_number.sql),
  [`int_client_identity`](../../models/intermediate/int_client_identity.sql)).
- Staff: `crm.staff` is the master. `erp` refers to staff by e-mail
  (`salesperson_email`, `responsible_email`), case-insensitive, trimmed. `pbx` refers to
  staff by `extension`. `studio.instructors` stands alone
  ([`int_staff_by_email`](../../models/intermediate/int_staff_by_email.sql),
  [`int_staff_by_extension`](../../models/intermediate/int_staff_by_extension.sql)).
- Phone numbers are free text: `(11) 98765-4321`, `+55 11 98765 4321`, `011987654321`,
  `11987654321`, `98765-4321`. Normalised to the national number: digits only, drop a
  leading `55` country code when the rest has 10 or 11 digits, drop one leading trunk
  `0`; a number with fewer than 10 digits after that has no area code and matches
  nothing. A call matches the client(s) having that normalised number among
  `crm.clients.phones`. A number that belongs to more than one client is ambiguous and
  is attributed to none (it is counted as unmatched, with that reason)
  ([`normalize_phone`](../../dbt_project/macros/rules/normalize_phone.sql),
  [`int_calls_matched`](../../models/intermediate/int_calls_matched.sql)).

## Tables

Types: {types}. PK = primary key. `?` = nullable. "one of" lists the only values
allowed (an enum); a value outside them, or a null in a column without `?`, is reported
by the staging model's `column_rules` test.
"""

SYSTEM_RULES: dict[str, str] = {
    "pbx": """\
For an outbound call the staff member is the one owning `extension` and the other party
is `to_number`; for an inbound call, `from_number`. A call is **successful** when
`disposition = ANSWERED` and `talk_seconds > 0`
([`fct_calls`](../../models/marts/fct_calls.sql)).
""",
    "studio": """\
Booking outcome, the first rule that holds
([`booking_outcome`](../../dbt_project/macros/rules/booking_outcome.sql)):

1. session `cancelled` = true → `session_cancelled` (not counted as a booking anywhere);
2. session not finalized (`finalized_at` null) → `scheduled`;
3. `cancelled_at` at least the cancellation cut-off (default 2 hours: the dbt var
   `cancellation_cutoff_hours`, `CARTEIRA_CANCELLATION_CUTOFF_HOURS`) before `starts_at`
   → `excused_absence` (gives a make-up credit); exactly the cut-off before is excused;
4. `cancelled_at` set but later than that → `unexcused_absence`;
5. `attendance = present` → `attended`;
6. otherwise → `unexcused_absence`.
""",
    "erp": """\
Order value = sum over its items of `quantity * unit_price - discount_amount`. An order
with status `cancelled` counts nowhere
([`fct_orders`](../../models/marts/fct_orders.sql)).

### Receivable status as of a date D

Balance = `amount` minus the non-reversed payments with `paid_on <= D`. The first rule
that holds gives the status
([`receivable_status`](../../dbt_project/macros/rules/receivable_status.sql),
[`int_receivables_status`](../../models/intermediate/int_receivables_status.sql)):

1. `cancelled_on <= D` → `cancelled`
2. `renegotiated_on <= D` → `renegotiated` (its debt moved to an agreement)
3. balance <= 0 → `received`
4. `credit_bureau_on <= D` → `credit_bureau` (negativado)
5. `collection_on <= D` → `in_collection` (cobrança)
6. `due_on < D` → `overdue` (vencido)
7. otherwise → `open` (em aberto)

Total receivable of a client = sum of the balances of its titles whose status is `open`,
`overdue`, `credit_bureau` or `in_collection`. A payment is on time when
`paid_on <= due_on`; a title is paid on time when its balance reached zero on or before
`due_on`. Days late of a title = days from `due_on` to the day its balance reached zero
(or to D if still unpaid), never negative
([`client_financial_status`](../../models/marts/client_financial_status.sql)).
""",
}

TYPES: dict[str, str] = {
    "str": "`str`",
    "int": "`int`",
    "dec": "`dec` (money / decimal)",
    "date": "`date`",
    "ts": "`ts` (timestamp)",
    "bool": "`bool`",
    "str[]": "`str[]` (JSON array)",
}


def _pattern(strftime: str) -> str:
    for code, shown in STRFTIME.items():
        strftime = strftime.replace(code, shown)
    return strftime


def _format_row(fmt: SystemFormat) -> str:
    tables = [t for t in TABLES if t.system == fmt.name]
    has_bool = any(c.type == "bool" for t in tables for c in t.columns)
    if fmt.extension == "jsonl":
        layout = "JSON Lines `.jsonl`"
        timestamps = "ISO-8601 UTC with `Z` (`2026-11-21T13:05:00Z`)"
        numbers = "JSON numbers"
    else:
        layout = f"CSV `.{fmt.extension}`, `{fmt.delimiter}` delimiter"
        timestamps = f"local time `{_pattern(fmt.ts_format or '')}`, no offset"
        numbers = "decimal comma, `.` thousands (`1.234,56`)" if fmt.decimal_comma else "plain"
    booleans = f"`{fmt.true_token}`/`{fmt.false_token}`"
    if not has_bool:
        booleans += " (no boolean column today)"
    encoding = ENCODINGS.get(fmt.encoding, fmt.encoding)
    return (
        f"| `{fmt.name}` | {layout} | {encoding} | {timestamps} | `{_pattern(fmt.date_format)}` "
        f"| {numbers} | {booleans} |"
    )


def _identifiers() -> str:
    parts = []
    for system in SYSTEMS:
        keys = [t for t in TABLES if t.system == system]
        kinds = {t.column(t.primary_key).type for t in keys}
        usual = max(kinds, key=lambda k: sum(t.column(t.primary_key).type == k for t in keys))
        word = {"str": "strings", "int": "integers"}.get(usual, usual)
        exceptions = [
            f"`{t.name}.{t.primary_key}` ({t.column(t.primary_key).type})"
            for t in keys
            if t.column(t.primary_key).type != usual
        ]
        tail = f", except {', '.join(exceptions)}" if exceptions else ""
        parts.append(f"`{system}` keys are {word}{tail}")
    return "; ".join(parts) + "."


def _column(table: Table, column: Column) -> str:
    text = f"{column.name} {column.type}{'?' if column.nullable else ''}"
    if column.name == table.primary_key:
        text += " PK"
    details = []
    if column.enum:
        details.append("one of " + ", ".join(f"`{v}`" for v in column.enum))
    if column.note:
        details.append(column.note)
    if details:
        text += f" ({'; '.join(details)})"
    return text


def render() -> str:
    """The whole page, from the contract."""
    immutable = ", ".join(f"`{t.system}.{t.name}`" for t in TABLES if not t.has_updated_at)
    out = [
        HEADER.format(
            systems=len(SYSTEMS),
            tables=len(TABLES),
            immutable=immutable or "none today",
            formats="\n".join(_format_row(f) for f in SYSTEMS.values()),
            identifiers=_identifiers(),
            types=", ".join(TYPES.values()),
        )
    ]
    for system, fmt in SYSTEMS.items():
        kind = "JSON Lines" if fmt.extension == "jsonl" else f"CSV `{fmt.delimiter}`"
        out.append(f"\n### {system} ({kind}, {SYSTEM_TITLES.get(system, system)})\n")
        out.append("| table | what it holds | columns |\n|---|---|---|")
        for table in (t for t in TABLES if t.system == system):
            columns = ", ".join(_column(table, c) for c in table.columns)
            out.append(f"| `{table.name}` | {table.description} | {columns} |")
        if system in SYSTEM_RULES:
            out.append("\n" + SYSTEM_RULES[system].rstrip("\n"))
    return "\n".join(out) + "\n"


def stale() -> bool:
    """True when the committed page differs from what the contract says."""
    return not DOC_FILE.exists() or DOC_FILE.read_text(encoding="utf-8") != render()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m carteira.devtools.contract_doc", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the page is out of date"
    )
    args = parser.parse_args(argv)
    shown = DOC_FILE.relative_to(REPO) if DOC_FILE.is_relative_to(REPO) else DOC_FILE
    if args.check:
        if stale():
            print(f"{shown} is out of date with carteira/contract.py", file=sys.stderr)
            print("run: uv run python -m carteira.devtools.contract_doc", file=sys.stderr)
            return 1
        return 0
    if stale():
        DOC_FILE.parent.mkdir(parents=True, exist_ok=True)
        DOC_FILE.write_text(render(), encoding="utf-8")
        print(f"wrote {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
