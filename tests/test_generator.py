"""Tests of the synthetic landing-zone generator on the ``tiny`` preset.

The warehouse's tests rely on ``tiny`` exercising every behaviour of the contract,
so these tests read the written files back (csv/json modules only) and assert the
behaviours from them, independently of the generator's internals.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from carteira.contract import SYSTEMS, TABLES, TABLES_BY_FQN, Table
from carteira.generator import GenerationStats, generate
from carteira.generator.documents import is_valid, normalise_phone
from carteira.generator.drift import DRIFT, drift_first_slot

START = date(2026, 11, 21)
DAYS = 7
DATES = [START + timedelta(days=k) for k in range(DAYS)]


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationStats]:
    root = tmp_path_factory.mktemp("landing")
    stats = generate(root, START, DAYS, "tiny", 7)
    return root, stats


def _path(root: Path, table: Table, d: date) -> Path:
    ext = SYSTEMS[table.system].extension
    return root / table.system / table.name / f"{table.name}_{d:%Y%m%d}.{ext}"


def read_rows(root: Path, table: Table, d: date) -> list[dict[str, Any]]:
    """Rows of one file as dicts (csv: strings, '' = null -> None; jsonl: parsed)."""
    fmt = SYSTEMS[table.system]
    text = _path(root, table, d).read_bytes().decode(fmt.encoding)
    if fmt.extension == "jsonl":
        return [json.loads(line) for line in text.splitlines() if line]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=fmt.delimiter or ",")
    return [{k: (v if v != "" else None) for k, v in row.items()} for row in reader]


@pytest.fixture(scope="module")
def data(landing: tuple[Path, GenerationStats]) -> dict[str, list[list[dict[str, Any]]]]:
    """fqn -> per day -> rows."""
    root, _ = landing
    return {t.fqn: [read_rows(root, t, d) for d in DATES] for t in TABLES}


def current(data: dict[str, list[list[dict[str, Any]]]], fqn: str) -> dict[Any, dict[str, Any]]:
    """Latest image of each record over all days (later file wins; same-day later row wins)."""
    pk = TABLES_BY_FQN[fqn].primary_key
    out: dict[Any, dict[str, Any]] = {}
    for rows in data[fqn]:
        for r in rows:
            out[r[pk]] = r
    return out


def parse_ts(table: Table, text: str) -> datetime:
    fmt = SYSTEMS[table.system]
    if fmt.ts_format is None:
        assert text.endswith("Z"), text
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    return datetime.strptime(text, fmt.ts_format)


# ---------------------------------------------------------------------- layout and format
def test_every_table_has_a_file_for_every_day(landing: tuple[Path, GenerationStats]) -> None:
    root, stats = landing
    for table in TABLES:
        for d in DATES:
            assert _path(root, table, d).is_file(), (table.fqn, d)
    assert stats.files_written == len(TABLES) * DAYS
    assert set(stats.rows) == {t.fqn for t in TABLES}
    assert stats.total_rows == sum(stats.rows.values())
    assert 200 <= stats.total_rows <= 1500  # "a few hundred rows"


def test_headers_match_contract_plus_drift(landing: tuple[Path, GenerationStats]) -> None:
    root, _ = landing
    first_drift = drift_first_slot(DAYS)
    assert first_drift is not None
    for table in TABLES:
        fmt = SYSTEMS[table.system]
        for slot, d in enumerate(DATES):
            raw = _path(root, table, d).read_bytes().decode(fmt.encoding)
            if fmt.extension == "jsonl":
                for line in raw.splitlines():
                    keys = list(json.loads(line))
                    expected = [c for c in table.column_names if c in keys]
                    assert keys == expected, (table.fqn, keys)  # contract order, nulls omitted
                    assert {c.name for c in table.columns if not c.nullable} <= set(keys)
                continue
            header = next(csv.reader(io.StringIO(raw, newline=""), delimiter=fmt.delimiter))
            extra = [DRIFT[table.fqn].name] if table.fqn in DRIFT and slot >= first_drift else []
            assert header == table.column_names + extra, (table.fqn, d)


def test_some_delta_is_header_only(landing: tuple[Path, GenerationStats]) -> None:
    root, _ = landing
    table = TABLES_BY_FQN["erp__companies"]
    for d in DATES[1:]:
        lines = _path(root, table, d).read_text(encoding="latin-1").splitlines()
        assert lines == [";".join(table.column_names)]


def test_erp_is_latin1_with_decimal_comma_and_br_dates(
    landing: tuple[Path, GenerationStats], data: dict[str, Any]
) -> None:
    root, _ = landing
    raw = _path(root, TABLES_BY_FQN["erp__receivables"], START).read_bytes()
    text = raw.decode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        _path(root, TABLES_BY_FQN["erp__customers"], START).read_bytes().decode("utf-8")
    rows = data["erp__receivables"][0]
    assert all(r["amount"].count(",") == 1 and "." not in r["amount"].split(",")[1] for r in rows)
    assert any("." in r["amount"] for r in rows)  # thousands separator, e.g. 1.234,56
    for r in rows:
        datetime.strptime(r["due_on"], "%d/%m/%Y")
        datetime.strptime(r["updated_at"], "%d/%m/%Y %H:%M:%S")
    assert ";" in text.splitlines()[0]
    bools_ok = True
    for fqn in ("erp__customers",):
        names = [r["full_name"] for r in data[fqn][0]]
        bools_ok = any(ch in "".join(names) for ch in "ãçéáíóúâêô")
    assert bools_ok


def test_texts_carry_quotes_semicolons_and_newlines(
    landing: tuple[Path, GenerationStats], data: dict[str, Any]
) -> None:
    bodies = [r["body"] for rows in data["crm__client_notes"] for r in rows]
    assert any("\n" in b for b in bodies) and any(";" in b for b in bodies)
    names = [r["full_name"] for rows in data["crm__clients"] for r in rows]
    lines = [r for rows in data["erp__service_order_lines"] for r in rows]
    assert any("\n" in r["description"] or ";" in r["description"] for r in lines) or any(
        '"' in n or "'" in n for n in names
    )
    root, _ = landing
    raw = _path(root, TABLES_BY_FQN["crm__client_notes"], START).read_text(encoding="utf-8")
    assert "\\n" in raw  # JSON escapes the newline inside the string


def test_crm_timestamps_are_utc_z_and_phones_are_arrays(data: dict[str, Any]) -> None:
    omitted = explicit_null = 0
    for table in (t for t in TABLES if t.system == "crm"):
        for rows in data[table.fqn]:
            for r in rows:
                for c in table.columns:
                    if c.type == "ts" and r.get(c.name) is not None:
                        parse_ts(table, r[c.name])
                    if c.nullable and c.name not in r:
                        omitted += 1
                    if c.nullable and c.name in r and r[c.name] is None:
                        explicit_null += 1
    assert omitted and explicit_null  # absent key = null, and both spellings occur
    clients = current(data, "crm__clients")
    assert all(isinstance(r["phones"], list) and r["phones"] for r in clients.values())


def test_studio_and_pbx_local_timestamp_formats(data: dict[str, Any]) -> None:
    for fqn in ("studio__sessions", "pbx__calls"):
        table = TABLES_BY_FQN[fqn]
        ts_cols = [c.name for c in table.columns if c.type == "ts"]
        for rows in data[fqn]:
            for r in rows:
                for c in ts_cols:
                    if r[c] is not None:
                        parse_ts(table, r[c])


# ---------------------------------------------------------------------- determinism and deltas
def test_same_seed_same_bytes_other_seed_differs(
    tmp_path: Path, landing: tuple[Path, GenerationStats]
) -> None:
    root, _ = landing
    again = tmp_path / "again"
    other = tmp_path / "other"
    generate(again, START, DAYS, "tiny", 7)
    generate(other, START, DAYS, "tiny", 8)
    files = sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert all((root / f).read_bytes() == (again / f).read_bytes() for f in files)
    assert any((root / f).read_bytes() != (other / f).read_bytes() for f in files)


def test_deltas_hold_changed_records_with_greater_updated_at(data: dict[str, Any]) -> None:
    changed_tables = set()
    for table in TABLES:
        if not table.has_updated_at:
            continue
        seen: dict[Any, datetime] = {}
        for slot, rows in enumerate(data[table.fqn]):
            keys = [r[table.primary_key] for r in rows]
            assert len(keys) == len(set(keys)), (table.fqn, slot)  # one image per record per day
            for r in rows:
                ts = parse_ts(table, r["updated_at"])
                prev = seen.get(r[table.primary_key])
                if prev is not None:
                    assert ts > prev, (table.fqn, r)
                    changed_tables.add(table.fqn)
                if slot > 0:  # a delta row is a change of that very day (local time)
                    local = ts - timedelta(hours=3) if table.system == "crm" else ts
                    assert local.date() == DATES[slot], (table.fqn, r)
                seen[r[table.primary_key]] = ts
    for fqn in (
        "crm__clients",
        "crm__tasks",
        "studio__bookings",
        "studio__sessions",
        "erp__customers",
        "crm__staff",
        "crm__departments",
    ):
        assert fqn in changed_tables, fqn


def test_deltas_contain_soft_deletes_and_new_records(data: dict[str, Any]) -> None:
    for fqn in (
        "crm__clients",
        "studio__members",
        "erp__customers",
        "crm__client_notes",
        "crm__tasks",
        "crm__opportunities",
    ):
        deleted = [r for rows in data[fqn][1:] for r in rows if r.get("deleted_at")]
        assert deleted, fqn
    first_ids = {r["client_id"] for r in data["crm__clients"][0]}
    assert any(r["client_id"] not in first_ids for rows in data["crm__clients"][1:] for r in rows)
    assert any(r for rows in data["pbx__calls"][1:] for r in rows)


def test_calls_are_immutable_and_sometimes_redelivered(data: dict[str, Any]) -> None:
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rows in data["pbx__calls"]:
        for r in rows:
            by_id[r["call_id"]].append(r)
    again = [v for v in by_id.values() if len(v) > 1]
    assert again
    assert all(all(x == v[0] for x in v) for v in again)


# ---------------------------------------------------------------------- business behaviours
# The warehouse's tests rely on ``tiny`` exercising every behaviour whatever the seed, the
# start date and the number of days: each scripted case sits at fixed dates in the past
# relative to ``start``, so it is in the first day's full export and still there at the end.
BEHAVIOUR_SEEDS = (1, 2, 3, 7, 11, 99)
BEHAVIOUR_STARTS = (START, date(2025, 2, 28))
CASES = [
    (seed, start, days) for seed in BEHAVIOUR_SEEDS for start in BEHAVIOUR_STARTS for days in (1, 3)
]
DELTA_CASES = [c for c in CASES if c[2] > 1] + [(7, START, DAYS)]
TZ = ZoneInfo("America/Sao_Paulo")


def latest(files: list[list[dict[str, Any]]], fqn: str) -> dict[Any, dict[str, Any]]:
    """Latest image of each record over these files (later file wins, then later row)."""
    pk = TABLES_BY_FQN[fqn].primary_key
    return {r[pk]: r for rows in files for r in rows}


@dataclass
class Run:
    """One generated landing zone, read back: fqn -> per day -> rows."""

    seed: int
    start: date
    days: int
    data: dict[str, list[list[dict[str, Any]]]]

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=k) for k in range(self.days)]

    def views(self) -> list[View]:
        """The sources as known after day 1 (full export) and after the last day."""
        return [View(self, k) for k in sorted({1, self.days})]


@dataclass
class View:
    run: Run
    k: int  # extraction days read
    _cache: dict[str, dict[Any, dict[str, Any]]] = field(default_factory=dict)

    @property
    def as_of(self) -> date:
        return self.run.start + timedelta(days=self.k - 1)

    def cur(self, fqn: str) -> dict[Any, dict[str, Any]]:
        if fqn not in self._cache:
            self._cache[fqn] = latest(self.run.data[fqn][: self.k], fqn)
        return self._cache[fqn]

    def live(self, fqn: str) -> list[dict[str, Any]]:
        return [r for r in self.cur(fqn).values() if not r.get("deleted_at")]

    def __str__(self) -> str:
        r = self.run
        return f"seed={r.seed} start={r.start} days={r.days} after day {self.k}"


_RUNS: dict[tuple[int, date, int], Run] = {}


def load_run(factory: pytest.TempPathFactory, seed: int, start: date, days: int) -> Run:
    key = (seed, start, days)
    if key not in _RUNS:
        root = factory.mktemp(f"tiny_{seed}_{start:%Y%m%d}_{days}")
        generate(root, start, days, "tiny", seed)
        dates = [start + timedelta(days=k) for k in range(days)]
        _RUNS[key] = Run(
            seed, start, days, {t.fqn: [read_rows(root, t, d) for d in dates] for t in TABLES}
        )
    return _RUNS[key]


def _case_id(case: tuple[int, date, int]) -> str:
    return f"seed{case[0]}-{case[1]:%Y%m%d}-{case[2]}d"


@pytest.fixture(scope="module", params=CASES, ids=_case_id)
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return load_run(tmp_path_factory, *request.param)


@pytest.fixture(scope="module", params=DELTA_CASES, ids=_case_id)
def delta_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return load_run(tmp_path_factory, *request.param)


def _digits(s: str | None) -> str:
    return "".join(c for c in s or "" if c.isdigit())


def test_clients_shared_across_systems_by_document(run: Run) -> None:
    for v in run.views():
        docs = {
            fqn: [r.get("document_number") for r in v.live(fqn)]
            for fqn in ("crm__clients", "studio__members", "erp__customers")
        }
        valid = {
            fqn: {_digits(d) for d in ds if d and is_valid(_digits(d))} for fqn, ds in docs.items()
        }
        everything = [d for ds in docs.values() for d in ds]
        in_all = valid["crm__clients"] & valid["studio__members"] & valid["erp__customers"]
        assert in_all, v
        # the same person spelled differently by the systems
        spellings = {
            doc: {d for ds in docs.values() for d in ds if d and _digits(d) == doc}
            for doc in in_all
        }
        assert any(len(s) > 1 for s in spellings.values()), v
        assert any(d and "." in d and "-" in d for d in everything), v  # punctuated CPF
        assert any(d and d.isdigit() for d in everything), v
        assert any(d and "/" in d for d in everything), v  # punctuated CNPJ
        assert any(d is None for d in everything), v
        assert any(
            d and len(_digits(d)) in (11, 14) and not is_valid(_digits(d)) for d in everything
        ), v  # bad check digits
        assert any(d and len(_digits(d)) not in (11, 14) for d in everything), v  # bad length
        assert valid["crm__clients"] - valid["studio__members"] - valid["erp__customers"], v


def test_org_tree_heads_visibility_and_extensions(run: Run) -> None:
    for v in run.views():
        deps = v.cur("crm__departments")
        parent = {k: d.get("parent_department_id") for k, d in deps.items()}

        def depth(d: str, parent: dict[str, str | None] = parent) -> int:
            p = parent[d]
            return 1 + (depth(p) if p else 0)

        assert max(depth(d) for d in deps) >= 3, v
        assert all(d.get("head_staff_id") for d in deps.values()), v
        staff = v.cur("crm__staff")
        assert any(s["can_view_all"] for s in staff.values()), v
        assert any(not s["active"] for s in staff.values()), v
        assert sum(1 for s in staff.values() if s.get("extension")) >= 3, v
        emails = {s["email"] for s in staff.values()}
        erp_emails = [
            r["salesperson_email"] for r in v.cur("erp__orders").values() if r["salesperson_email"]
        ]
        assert all(e.strip().lower() in emails for e in erp_emails), v
        assert any(e != e.strip().lower() for e in erp_emails), v


def test_calls_matched_unknown_ambiguous_and_dispositions(run: Run) -> None:
    for v in run.views():
        clients = v.live("crm__clients")
        owners: dict[str, set[str]] = defaultdict(set)
        for c in clients:
            for p in c["phones"]:
                n = normalise_phone(p)
                if n:
                    owners[n].add(c["client_id"])
        owner_of = {c["client_id"]: c.get("owner_staff_id") for c in clients}
        ext_staff = {
            s["extension"]: s["staff_id"]
            for s in v.cur("crm__staff").values()
            if s.get("extension")
        }
        calls = list(v.cur("pbx__calls").values())
        kinds: set[str] = set()
        for c in calls:
            outbound = c["direction"] == "outbound"
            n = normalise_phone(c["to_number"] if outbound else c["from_number"])
            if not n or n not in owners:
                kinds.add("unknown")
            elif len(owners[n]) > 1:
                kinds.add("ambiguous")
            elif not outbound:
                kinds.add("inbound_matched")
            else:
                (client,) = owners[n]
                owner = owner_of[client]
                by_owner = owner is not None and ext_staff.get(c["extension"]) == owner
                kinds.add("matched_owner_ext" if by_owner else "matched_other_ext")
            if c["disposition"] == "ANSWERED" and c["talk_seconds"] == "0":
                kinds.add("answered_0s")
        assert kinds == {
            "unknown",
            "ambiguous",
            "inbound_matched",
            "matched_owner_ext",
            "matched_other_ext",
            "answered_0s",
        }, (str(v), kinds)
        assert {"ANSWERED", "NO ANSWER"} <= {c["disposition"] for c in calls}, v
        stored = {p for c in clients for p in c["phones"]}
        assert any(c["to_number"] not in stored for c in calls if c["direction"] == "outbound"), v


def test_every_booking_outcome_exists(run: Run) -> None:
    fmt = "%Y-%m-%d %H:%M"
    for v in run.views():
        sessions = v.cur("studio__sessions")
        outcomes = set()
        for b in v.cur("studio__bookings").values():
            s = sessions[b["session_id"]]
            starts = datetime.strptime(s["starts_at"], fmt)
            if s["cancelled"] == "true":
                outcomes.add("session_cancelled")
            elif s["finalized_at"] is None:
                outcomes.add("scheduled_future" if starts.date() > v.as_of else "scheduled_past")
            elif b["cancelled_at"] is not None:
                gap = starts - datetime.strptime(b["cancelled_at"], fmt)
                outcomes.add(
                    "excused_exactly_2h"
                    if gap == timedelta(hours=2)
                    else "excused_earlier"
                    if gap > timedelta(hours=2)
                    else "late_cancel"
                )
            elif b["attendance"] == "present":
                outcomes.add("attended")
            elif b["attendance"] == "absent":
                outcomes.add("absent")
            else:
                outcomes.add("unmarked")
        assert outcomes == {
            "session_cancelled",
            "scheduled_future",
            "scheduled_past",
            "excused_exactly_2h",
            "excused_earlier",
            "late_cancel",
            "attended",
            "absent",
            "unmarked",
        }, (str(v), outcomes)


def _day(s: str) -> date:
    return datetime.strptime(s, "%d/%m/%Y").date()


def test_receivables_cover_every_collection_story(run: Run) -> None:
    for v in run.views():
        recs = v.cur("erp__receivables")
        pays = v.cur("erp__payments")
        negs = v.cur("erp__negotiations")
        assert negs and all(n["customer_code"] for n in negs.values()), v
        issued_by_agreement = {r["negotiation_id"] for r in recs.values() if r["negotiation_id"]}
        assert issued_by_agreement & set(negs), v  # renegotiation with new titles
        assert any(r["renegotiated_on"] for r in recs.values()), v
        assert any(r["credit_bureau_on"] for r in recs.values()), v
        assert any(r["collection_on"] for r in recs.values()), v
        assert any(r["cancelled_on"] for r in recs.values()), v
        assert any(r["installments_total"] != "1" for r in recs.values()), v
        assert any(p["deleted_at"] for p in pays.values()), v  # reversed payment
        by_title: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in pays.values():
            if not p["deleted_at"]:
                by_title[p["receivable_id"]].append(p)
        on_time = late = partial = 0
        for rid, ps in by_title.items():
            due = _day(recs[rid]["due_on"])
            on_time += any(_day(p["paid_on"]) <= due for p in ps)
            late += any(_day(p["paid_on"]) > due for p in ps)
            partial += len(ps) > 1
        assert on_time and late and partial, v
        assert any(o["status"] == "cancelled" for o in v.cur("erp__orders").values()), v


def test_projects_contracts_returns_and_services(run: Run) -> None:
    for v in run.views():
        per_project: dict[str, list[str]] = defaultdict(list)
        for c in v.cur("erp__contracts").values():
            per_project[c["project_id"]].append(c["stage"])
        assert any(len(s) >= 2 and "cancelled" in s for s in per_project.values()), v
        assert any(p not in per_project for p in v.cur("erp__projects")), v  # no contract
        assert v.cur("erp__purchase_orders"), v
        orders = v.cur("erp__orders").values()
        assert any(o["contract_id"] for o in orders) and any(o["quote_id"] for o in orders), v
        quotes = {q["status"] for q in v.cur("erp__quotes").values()}
        assert "won" in quotes and len(quotes) >= 2, v
        assert v.cur("erp__returns"), v
        lines: dict[str, set[str]] = defaultdict(set)
        for line in v.cur("erp__service_order_lines").values():
            lines[line["service_order_id"]].add(line["line_type"])
        assert {"part", "service"} in lines.values(), v  # one order with both kinds
        assert set(v.cur("erp__service_orders")) - set(lines), v  # one without lines


def test_tasks_interactions_and_owners(run: Run) -> None:
    channels = set(TABLES_BY_FQN["crm__interactions"].column("channel").enum or ())
    for v in run.views():
        appts = {t["status"] for t in v.live("crm__tasks") if t["task_type"] == "appointment"}
        assert {"open", "done"} <= appts, v
        assert {i["channel"] for i in v.cur("crm__interactions").values()} == channels, v
        assert any(c.get("owner_staff_id") is None for c in v.live("crm__clients")), v
    final = run.views()[-1]
    appts = {
        t["status"] for t in final.cur("crm__tasks").values() if t["task_type"] == "appointment"
    }
    assert appts == {"open", "done", "cancelled"}, final


def test_crm_clients_created_in_business_hours(run: Run) -> None:
    table = TABLES_BY_FQN["crm__clients"]
    for rows in run.data["crm__clients"]:
        for r in rows:
            utc = parse_ts(table, r["created_at"]).replace(tzinfo=UTC)
            assert 8 <= utc.astimezone(TZ).hour < 20, (run.seed, r)


def test_deltas_carry_changes_deletes_payments_and_new_records(delta_run: Run) -> None:
    run = delta_run
    first = {fqn: {r[TABLES_BY_FQN[fqn].primary_key] for r in run.data[fqn][0]} for fqn in run.data}
    later = {fqn: [r for rows in run.data[fqn][1:] for r in rows] for fqn in run.data}
    for fqn in (
        "crm__clients",
        "studio__members",
        "erp__customers",
        "crm__client_notes",
        "crm__tasks",
        "crm__opportunities",
    ):
        assert any(r.get("deleted_at") for r in later[fqn]), (fqn, run.seed)  # soft deletes
    for fqn in ("crm__clients", "studio__members", "erp__customers", "pbx__calls", "erp__payments"):
        pk = TABLES_BY_FQN[fqn].primary_key
        assert any(r[pk] not in first[fqn] for r in later[fqn]), (fqn, run.seed)  # new
    for fqn, col in (
        ("crm__tasks", "status"),
        ("studio__sessions", "finalized_at"),
        ("crm__clients", "owner_staff_id"),
    ):
        pk = TABLES_BY_FQN[fqn].primary_key
        before = latest(run.data[fqn][:1], fqn)
        assert any(r[pk] in before and r.get(col) != before[r[pk]].get(col) for r in later[fqn]), (
            fqn,
            run.seed,
        )  # status changes


def test_schema_drift_values_present(data: dict[str, Any]) -> None:
    first = drift_first_slot(DAYS)
    assert first is not None
    name = DRIFT["erp__customers"].name
    for slot, rows in enumerate(data["erp__customers"]):
        for r in rows:
            assert (name in r) == (slot >= first)


FOREIGN_KEYS = (
    ("crm__staff", "department_id", "crm__departments"),
    ("crm__clients", "owner_staff_id", "crm__staff"),
    ("crm__client_notes", "client_id", "crm__clients"),
    ("crm__opportunities", "client_id", "crm__clients"),
    ("crm__opportunities", "campaign_id", "crm__campaigns"),
    ("crm__tasks", "client_id", "crm__clients"),
    ("crm__tasks", "opportunity_id", "crm__opportunities"),
    ("crm__interactions", "client_id", "crm__clients"),
    ("studio__activities", "area_id", "studio__areas"),
    ("studio__sessions", "activity_id", "studio__activities"),
    ("studio__sessions", "instructor_id", "studio__instructors"),
    ("studio__bookings", "session_id", "studio__sessions"),
    ("studio__bookings", "member_id", "studio__members"),
    ("erp__quotes", "customer_code", "erp__customers"),
    ("erp__orders", "customer_code", "erp__customers"),
    ("erp__orders", "quote_id", "erp__quotes"),
    ("erp__orders", "contract_id", "erp__contracts"),
    ("erp__order_items", "order_id", "erp__orders"),
    ("erp__order_items", "product_id", "erp__products"),
    ("erp__receivables", "order_id", "erp__orders"),
    ("erp__receivables", "negotiation_id", "erp__negotiations"),
    ("erp__payments", "receivable_id", "erp__receivables"),
    ("erp__service_order_lines", "service_order_id", "erp__service_orders"),
    ("erp__returns", "order_item_id", "erp__order_items"),
    ("erp__projects", "customer_code", "erp__customers"),
    ("erp__contracts", "project_id", "erp__projects"),
    ("erp__purchase_orders", "contract_id", "erp__contracts"),
    ("erp__schedule_events", "order_id", "erp__orders"),
)


def test_foreign_ids_point_to_records_already_delivered(data: dict[str, Any]) -> None:
    for child, col, parent in FOREIGN_KEYS:
        pk = TABLES_BY_FQN[parent].primary_key
        known: set[Any] = set()
        for slot in range(DAYS):
            known |= {r[pk] for r in data[parent][slot]}
            for r in data[child][slot]:
                v = r.get(col)
                assert v is None or v in known, (child, col, v, DATES[slot])
