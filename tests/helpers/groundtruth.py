"""Expected warehouse contents computed in Python straight from landing files.

End-to-end tests compare the marts with these numbers. Nothing here reads the
warehouse or reuses its SQL: files are parsed with the csv/json modules and the
contract's rules (current version, identity, booking outcome, phone matching,
receivable status) are re-implemented from docs/contract/sources.md, so a bug in the SQL under
test cannot also be in the expectation.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from carteira.contract import TABLES_BY_FQN, Table
from carteira.generator.documents import is_valid as valid_check_digits

BUSINESS_TZ = ZoneInfo("America/Sao_Paulo")
FILE_RE = re.compile(r"^(?P<table>.+)_(?P<date>\d{8})(?:_(?P<seq>\d+))?\.(csv|jsonl)$")
OWED = {"open", "overdue", "credit_bureau", "in_collection"}


def _files(landing: Path, table: Table, as_of: date) -> list[tuple[date, int, Path]]:
    found = []
    folder = landing / table.system / table.name
    for path in folder.iterdir() if folder.exists() else []:
        m = FILE_RE.match(path.name)
        if not m or m["table"] != table.name:
            continue
        day = datetime.strptime(m["date"], "%Y%m%d").date()
        if day <= as_of:
            found.append((day, int(m["seq"] or 1), path))
    return sorted(found)


def _parse_value(raw: Any, typ: str, system: str) -> Any:
    if raw is None or raw == "":
        return None
    if system == "crm":
        if typ == "ts":
            utc = datetime.strptime(raw, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=ZoneInfo("UTC"))
            return utc.astimezone(BUSINESS_TZ).replace(tzinfo=None)
        if typ == "date":
            return date.fromisoformat(raw)
        if typ == "dec":
            return Decimal(str(raw))
        return raw
    if typ == "int":
        return int(raw)
    if typ == "bool":
        return raw in ("true", "S")
    if typ == "dec":
        text = raw.replace(".", "").replace(",", ".") if system == "erp" else raw
        return Decimal(text)
    if typ == "date":
        return datetime.strptime(raw, "%d/%m/%Y" if system == "erp" else "%Y-%m-%d").date()
    if typ == "ts":
        fmt = {"erp": "%d/%m/%Y %H:%M:%S", "pbx": "%Y-%m-%d %H:%M:%S", "studio": "%Y-%m-%d %H:%M"}
        return datetime.strptime(raw, fmt[system])
    return raw


def _records(path: Path, table: Table) -> list[dict[str, Any]]:
    if table.system == "crm":
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    else:
        text = path.read_text(table.format.encoding)
        rows = list(
            csv.DictReader(io.StringIO(text, newline=""), delimiter=table.format.delimiter or ",")
        )
    out = []
    for row in rows:
        rec = {}
        for col in table.columns:
            value = row.get(col.name)
            rec[col.name] = (
                value if col.type == "str[]" else _parse_value(value, col.type, table.system)
            )
        out.append(rec)
    return out


def current_state(landing: Path, fqn: str, as_of: date) -> dict[Any, dict[str, Any]]:
    """Current version per key: greatest updated_at, then later file, then later row."""
    table = TABLES_BY_FQN[fqn]
    best: dict[Any, tuple[tuple, dict[str, Any]]] = {}
    for day, seq, path in _files(landing, table, as_of):
        for row_no, rec in enumerate(_records(path, table), start=1):
            key = rec[table.primary_key]
            if table.has_updated_at:
                rank = (rec["updated_at"], day, seq, row_no)
                if key not in best or rank > best[key][0]:
                    best[key] = (rank, rec)
            elif key not in best:  # immutable (calls): first delivery wins
                best[key] = ((day, seq, row_no), rec)
    return {k: v[1] for k, v in best.items()}


def row_count(landing: Path, fqn: str, as_of: date) -> int:
    """Every data row of every delivered file (what the raw layer must hold)."""
    table = TABLES_BY_FQN[fqn]
    return sum(len(_records(p, table)) for _, _, p in _files(landing, table, as_of))


def normalise_document(value: str | None) -> str | None:
    if not value:
        return None
    digits = re.sub(r"\D", "", value)
    if len(set(digits)) == 1:  # placeholders such as 000.000.000-00 identify nobody
        return None
    return digits if valid_check_digits(digits) else None


def normalise_phone(value: str | None) -> str | None:
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("55") and len(digits) - 2 in (10, 11):
        digits = digits[2:]
    if digits.startswith("0"):
        digits = digits[1:]
    return digits if len(digits) >= 10 else None


def _alive(rec: dict[str, Any]) -> bool:
    return rec.get("deleted_at") is None


@dataclass
class Expected:
    live_clients: int
    outcomes: Counter
    match_status: Counter
    total_receivable: Decimal
    status_counts: Counter


def expected(landing: Path, as_of: date, cutoff_hours: int = 2) -> Expected:
    crm = current_state(landing, "crm__clients", as_of)
    studio = current_state(landing, "studio__members", as_of)
    erp = current_state(landing, "erp__customers", as_of)

    # Identity: one client per valid document, else per source record.
    key_of: dict[tuple[str, Any], str] = {}
    alive_keys: set[str] = set()
    for system, records in (("crm", crm), ("studio", studio), ("erp", erp)):
        for rid, rec in records.items():
            doc = normalise_document(rec.get("document_number"))
            key = f"doc:{doc}" if doc else f"{system}:{rid}"
            key_of[(system, rid)] = key
            if _alive(rec):
                alive_keys.add(key)

    # Booking outcomes.
    sessions = current_state(landing, "studio__sessions", as_of)
    outcomes: Counter = Counter()
    for b in current_state(landing, "studio__bookings", as_of).values():
        s = sessions[b["session_id"]]
        if s["cancelled"]:
            outcomes["session_cancelled"] += 1
        elif s["finalized_at"] is None:
            outcomes["scheduled"] += 1
        elif b["cancelled_at"] is not None and (
            b["cancelled_at"] <= s["starts_at"] - timedelta(hours=cutoff_hours)
        ):
            outcomes["excused_absence"] += 1
        elif b["cancelled_at"] is not None:
            outcomes["unexcused_absence"] += 1
        elif b["attendance"] == "present":
            outcomes["attended"] += 1
        else:
            outcomes["unexcused_absence"] += 1

    # Calls to clients: a number of several unified clients is ambiguous.
    phone_owners: dict[str, set[str]] = defaultdict(set)
    for rid, rec in crm.items():
        if not _alive(rec):
            continue
        for phone in rec.get("phones") or []:
            number = normalise_phone(phone)
            if number:
                phone_owners[number].add(key_of[("crm", rid)])
    match_status: Counter = Counter()
    for call in current_state(landing, "pbx__calls", as_of).values():
        other = call["to_number"] if call["direction"] == "outbound" else call["from_number"]
        owners = phone_owners.get(normalise_phone(other) or "", set())
        match_status["matched" if len(owners) == 1 else "ambiguous" if owners else "unmatched"] += 1

    # Receivables as of the date.
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for p in current_state(landing, "erp__payments", as_of).values():
        if _alive(p) and p["paid_on"] <= as_of:
            paid[p["receivable_id"]] += p["amount"]
    total = Decimal("0")
    statuses: Counter = Counter()
    for r in current_state(landing, "erp__receivables", as_of).values():
        balance = r["amount"] - paid[r["receivable_id"]]

        def on(field: str, rec: dict[str, Any] = r) -> bool:
            return rec[field] is not None and rec[field] <= as_of

        status = (
            "cancelled"
            if on("cancelled_on")
            else "renegotiated"
            if on("renegotiated_on")
            else "received"
            if balance <= 0
            else "credit_bureau"
            if on("credit_bureau_on")
            else "in_collection"
            if on("collection_on")
            else "overdue"
            if r["due_on"] < as_of
            else "open"
        )
        statuses[status] += 1
        if status in OWED:
            total += balance
    return Expected(len(alive_keys), outcomes, match_status, total, statuses)
