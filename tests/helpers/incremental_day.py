"""Deliveries that make an incremental day hard to get right (test_incremental_refresh).

Each scenario is a case where rows built on an earlier day must change although nothing
about them was delivered, or where only the date moved:

- a client merge: a crm client gains the document number an erp customer and a studio
  member already share, so the facts built under its own key move to the shared key;
- a phone number moving from one crm client to another: the calls of that number move;
- a crm client soft-deleted;
- a title that becomes overdue only because as_of advanced (delivered the day before,
  due on that day, never touched again);
- a payment reversed (deleted_at set: docs/contract/sources.md, table payments).

The day-before title is written before any refresh. The crm deliveries are chosen from
the warehouse built for the day before (who has calls, who shares a document), so they
are written after that build and before the incremental day's: the landing zone is the
same for the day-by-day and the full build.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class Scenario:
    """The source ids each scenario touched, for the assertions that they changed marts."""

    merged_crm_client: str
    merged_erp_customer: str
    merged_studio_member: int
    phone_from_client: str
    phone_to_client: str
    deleted_client: str


def _stamp(day: date) -> str:
    return day.strftime("%Y%m%d")


def inject_due_title(landing: Path, day: date) -> int:
    """A second receivables delivery on ``day``: one new open title due on ``day``.

    Built for as_of ``day`` it is open (due_on < as_of is false); built for any later
    as_of it is overdue, with no row about it delivered after ``day``.
    """
    folder = landing / "erp" / "receivables"
    first = sorted(folder.glob("receivables_*.csv"))[0]
    with first.open(encoding="latin-1", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    header, sample = rows[0], rows[1]
    col = {name: i for i, name in enumerate(header)}
    receivable_id = max(int(r[col["receivable_id"]]) for r in rows[1:]) + 500_000
    title = [""] * len(header)
    title[col["receivable_id"]] = str(receivable_id)
    title[col["company_id"]] = sample[col["company_id"]]
    title[col["customer_code"]] = sample[col["customer_code"]]
    title[col["document_number"]] = f"NF{receivable_id}-1"
    title[col["installment_number"]] = "1"
    title[col["installments_total"]] = "1"
    title[col["issued_on"]] = (day - timedelta(days=30)).strftime("%d/%m/%Y")
    title[col["due_on"]] = day.strftime("%d/%m/%Y")
    title[col["amount"]] = "123,45"
    title[col["updated_at"]] = f"{day.strftime('%d/%m/%Y')} 09:00:00"
    with (folder / f"receivables_{_stamp(day)}_2.csv").open(
        "w", encoding="latin-1", newline=""
    ) as fh:
        writer = csv.writer(fh, delimiter=";", quotechar='"', lineterminator="\n")
        writer.writerow(header)
        writer.writerow(title)
    return receivable_id


def _latest_crm_clients(landing: Path) -> dict[str, dict]:
    """Every crm client's newest delivered version (greatest updated_at, then later file)."""
    latest: dict[str, dict] = {}
    for path in sorted((landing / "crm" / "clients").glob("clients_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                known = latest.get(record["client_id"])
                if known is None or record["updated_at"] >= known["updated_at"]:
                    latest[record["client_id"]] = record
    return latest


def inject_client_changes(landing: Path, built: Path, day: date) -> Scenario:
    """A second crm clients delivery on ``day`` with the merge, phone move and delete.

    ``built`` is the warehouse published for the day before; the clients are chosen from
    it so that each change moves facts that are already built.
    """
    con = duckdb.connect(str(built), read_only=True)
    try:
        # a document an erp customer and a studio member share and no crm client has
        shared = con.execute(
            "select document_number, "
            "min(source_id) filter (where source_system = 'erp'), "
            "min(source_id) filter (where source_system = 'studio') "
            "from intermediate.int_client_identity where has_valid_document "
            "group by document_number "
            "having count(*) filter (where source_system = 'erp') = 1 "
            "and count(*) filter (where source_system = 'studio') = 1 "
            "and count(*) filter (where source_system = 'crm') = 0 "
            "order by document_number limit 1"
        ).fetchone()
        assert shared is not None, "the generator gave no erp customer + studio member pair"
        document, erp_customer, studio_member = shared
        raw_document = con.execute(
            "select document_number_raw from intermediate.int_client_identity "
            "where source_system = 'erp' and source_id = ?",
            [erp_customer],
        ).fetchone()[0]
        # crm clients with interactions built under a key of their own (crm only)
        alone = [
            r[0]
            for r in con.execute(
                "select i.crm_client_id from marts.fct_interactions i "
                "join marts.dim_client d using (client_key) "
                "where d.studio_record_count = 0 and d.erp_record_count = 0 "
                "and not d.is_deleted group by 1 order by count(*) desc, 1"
            ).fetchall()
        ]
        # crm clients owning numbers that matched calls, one owner per number
        callers = [
            r[0]
            for r in con.execute(
                "select crm_client_id from marts.fct_calls where match_status = 'matched' "
                "group by 1 order by count(*) desc, 1"
            ).fetchall()
        ]
        live = [
            r[0]
            for r in con.execute(
                "select source_id from intermediate.int_client_identity "
                "where source_system = 'crm' and not is_deleted order by 1"
            ).fetchall()
        ]
    finally:
        con.close()
    assert alone, "no crm-only client with interactions to merge"
    merged = alone[0]
    phone_from = next(c for c in callers if c != merged)
    deleted = next(c for c in callers if c not in (merged, phone_from))
    phone_to = next(c for c in live if c not in (merged, phone_from, deleted))

    clients = _latest_crm_clients(landing)
    evening = f"{day.isoformat()}T21:00:00Z"
    changed = {
        merged: {**clients[merged], "document_number": raw_document},
        phone_from: {**clients[phone_from], "phones": []},
        phone_to: {
            **clients[phone_to],
            "phones": list(clients[phone_to]["phones"]) + list(clients[phone_from]["phones"]),
        },
        deleted: {**clients[deleted], "deleted_at": evening},
    }
    lines = [json.dumps({**record, "updated_at": evening}) for record in changed.values()]
    path = landing / "crm" / "clients" / f"clients_{_stamp(day)}_2.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Scenario(
        merged_crm_client=merged,
        merged_erp_customer=erp_customer,
        merged_studio_member=int(studio_member),
        phone_from_client=phone_from,
        phone_to_client=phone_to,
        deleted_client=deleted,
    )
