"""Reports 4 and 5: `carteira report customer-history`, `client-card` and `negotiation`.

Each section is one named query (`queries/customer_*.sql`, `queries/client_card*.sql`,
`queries/negotiation*.sql`) over the parameter-free `bi` relations (`bi.customer_history_*`,
`bi.client_card_*`; the client is resolved and the negotiation document read from the
marts); this module resolves the client the user named, runs the sections and renders
them. It holds no business rule: statuses, balances, indicators and alerts are computed
in the models, so a BI tool reading the same relations gets the same numbers.

Multi-section reports keep the JSON shape of every report ({"report", "params",
"summary", "rows"}) with `rows` a mapping of section name -> list of rows.
"""

from __future__ import annotations

import json
import re
from typing import Any

import duckdb

from carteira.reports.engine import (
    FORMATS,
    Report,
    ReportError,
    ReportResult,
    SectionedResult,
    run_query,
)

TITLE_STATUSES: tuple[str, ...] = (
    "open",
    "overdue",
    "credit_bureau",
    "in_collection",
    "received",
    "cancelled",
    "renegotiated",
)

# section name -> query, in display order
HISTORY_SECTIONS: dict[str, str] = {
    "titles": "customer_titles",
    "sales": "customer_sales",
    "negotiations": "customer_negotiations",
    "negotiation_titles": "customer_negotiation_titles",
    "schedule": "customer_schedule",
}
CARD_SECTIONS: dict[str, str] = {
    "alerts": "client_card_alerts",
    "installments": "client_card_installments",
    "yearly": "client_card_yearly",
    "notes": "client_card_notes",
    "agenda": "client_card_agenda",
    "sales": "customer_sales",
    "service_orders": "client_card_service_orders",
    "returns": "client_card_returns",
    "pending_orders": "client_card_pending_orders",
    "open_quotes": "client_card_open_quotes",
}
# Summary fields of the client card's "financial situation".
CARD_FINANCIAL = (
    "total_receivable",
    "overdue_amount",
    "on_time_payment_rate",
    "avg_days_late",
    "max_days_late",
)


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", text)


def resolve_client(con: duckdb.DuckDBPyConnection, ident: str) -> str:
    """client_key of the client named by a key, any source id or a document (any format)."""
    ident = ident.strip()
    if not ident:
        raise ReportError("--client is empty")
    found = run_query(con, "customer_resolve", {"client": ident, "digits": digits_of(ident)})
    if not found:
        raise ReportError(
            f"no client named {ident!r} (tried client_key, crm client_id, "
            "studio member_id, erp customer_code and document number)"
        )
    if len(found) > 1:
        names = "; ".join(f"{r['client_key']} ({r['full_name']})" for r in found)
        raise ReportError(f"{ident!r} names more than one client: {names}; use a client_key")
    return str(found[0]["client_key"])


def _summary(con: duckdb.DuckDBPyConnection, client_key: str) -> dict[str, Any]:
    rows = run_query(con, "customer_summary", {"client_key": client_key})
    if not rows:
        raise ReportError(f"client {client_key} is not in bi.client_card_financial")
    return rows[0]


def _decode_json(rows: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    """JSON columns arrive as text from DuckDB: decode so JSON output nests them."""
    for row in rows:
        if isinstance(row.get(column), str):
            row[column] = json.loads(row[column])
    return rows


def customer_history(
    con: duckdb.DuckDBPyConnection, client: str, statuses: tuple[str, ...] | list[str] = ()
) -> SectionedResult:
    """Report 4: financial (titles), sales, negotiations and their titles, schedule."""
    client_key = resolve_client(con, client)
    head = _summary(con, client_key)
    sections: dict[str, list[dict[str, Any]]] = {}
    for name, query in HISTORY_SECTIONS.items():
        params: dict[str, Any] = {"client_key": client_key}
        if name == "titles":
            params["statuses"] = list(statuses) or None
        sections[name] = run_query(con, query, params)
    summary = {
        "client_key": client_key,
        "full_name": head["full_name"],
        "document_number": head["document_number"],
        "total_receivable": head["total_receivable"],
        "overdue_amount": head["overdue_amount"],
        "titles": len(sections["titles"]),
        "items_bought": len(sections["sales"]),
        "negotiations": len(sections["negotiations"]),
        "schedule_events": len(sections["schedule"]),
    }
    params_out = {
        "client": client,
        "client_key": client_key,
        "as_of": head["as_of"],
        "statuses": list(statuses),
    }
    return SectionedResult(
        report="customer-history", params=params_out, summary=summary, rows=[], sections=sections
    )


def client_card(con: duckdb.DuckDBPyConnection, client: str) -> SectionedResult:
    """Report 5: the 360 view of one client, alerts first."""
    client_key = resolve_client(con, client)
    head = _summary(con, client_key)
    sections = {
        name: run_query(con, query, {"client_key": client_key})
        for name, query in CARD_SECTIONS.items()
    }
    _decode_json(sections["alerts"], "figures")
    summary: dict[str, Any] = {
        "client_key": client_key,
        "full_name": head["full_name"],
        "document_number": head["document_number"],
        "crm_client_id": head["crm_client_id"],
        "studio_member_id": head["studio_member_id"],
        "erp_customer_code": head["erp_customer_code"],
        **{k: head[k] for k in CARD_FINANCIAL},
        "alerts": len(sections["alerts"]),
    }
    return SectionedResult(
        report="client-card",
        params={"client": client, "client_key": client_key, "as_of": head["as_of"]},
        summary=summary,
        rows=[],
        sections=sections,
    )


def negotiation(con: duckdb.DuckDBPyConnection, negotiation_id: int) -> SectionedResult:
    """One agreement (summary: the agreement and its parties) and the installments it issued."""
    found = run_query(con, "negotiation", {"negotiation_id": negotiation_id})
    if not found:
        raise ReportError(f"no negotiation with id {negotiation_id}")
    head = found[0]
    titles = run_query(con, "negotiation_titles", {"negotiation_id": negotiation_id})
    return SectionedResult(
        report="negotiation",
        params={"id": negotiation_id, "as_of": head["as_of"]},
        summary={k: v for k, v in head.items() if k != "as_of"},
        rows=[],
        sections={"installments": titles},
    )


def status_labels(
    con: duckdb.DuckDBPyConnection, language: str = "pt"
) -> dict[tuple[str, str], str]:
    """Label of each (domain, code), from marts.dim_status_label (the seed business users edit)."""
    rows = run_query(con, "status_labels", {})
    return {(r["domain"], r["code"]): r[f"label_{language}"] for r in rows}


def only_section(result: SectionedResult, section: str | None) -> ReportResult:
    """The whole sectioned result, or with --section one of its sections as a plain result."""
    if section is None:
        return result
    return ReportResult(
        report=f"{result.report}:{section}",
        params=result.params,
        summary=result.summary,
        rows=result.sections[section],
    )


REPORTS = (
    Report(
        "customer-history",
        customer_history,
        ("customer_resolve", "customer_summary", *HISTORY_SECTIONS.values()),
        sections=tuple(HISTORY_SECTIONS),
    ),
    Report(
        "client-card",
        client_card,
        ("customer_resolve", "customer_summary", *CARD_SECTIONS.values()),
        sections=tuple(CARD_SECTIONS),
    ),
    Report(
        "negotiation",
        negotiation,
        ("negotiation", "negotiation_titles", "status_labels"),
        sections=("installments",),
        formats=(*FORMATS, "pdf"),
    ),
)
