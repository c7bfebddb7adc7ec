"""PDF document of one renegotiation agreement (customer history, report 4).

Written with fpdf2's core Helvetica font, which needs no font file and encodes text as
Latin-1: that covers Portuguese (ç, ã, é, ...). Characters outside Latin-1 (curly quotes,
dashes from a copy-paste in the ERP) are replaced by their nearest ASCII form instead of
failing the whole document. Labels are in Portuguese, the language of the business (status
labels come from the warehouse: seed status_labels); money and dates use the Brazilian
formats the agreement is signed with.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fpdf import FPDF

_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u20ac": "EUR",
}


def latin1(text: Any) -> str:
    """Text the core font can draw: Latin-1 kept as is, anything else approximated."""
    out = []
    for ch in "" if text is None else str(text):
        if ord(ch) < 256:
            out.append(ch)
            continue
        ch = _REPLACEMENTS.get(ch, ch)
        if all(ord(c) < 256 for c in ch):
            out.append(ch)
            continue
        ascii_form = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
        out.append(ascii_form or "?")
    return "".join(out)


def money(value: Decimal | int | float | None) -> str:
    """R$ 1.234,56 (Brazilian format)."""
    if value is None:
        return "-"
    text = f"{Decimal(value):,.2f}"
    return "R$ " + text.replace(",", "_").replace(".", ",").replace("_", ".")


def br_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "-"


def write_negotiation_pdf(
    head: dict[str, Any],
    titles: list[dict[str, Any]],
    out: Path,
    labels: Mapping[tuple[str, str], str],
) -> Path:
    """Write the agreement `head` (queries/negotiation.sql) and its `titles` to `out`.

    `labels` maps (domain, code) to the label printed for a status (a code without a
    label is printed as is).
    """
    pdf = FPDF(format="A4")
    pdf.set_title(latin1(f"Acordo de renegociação nº {head['negotiation_id']}"))
    pdf.set_author(latin1(head.get("company_name") or "Carteira"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(
        0,
        10,
        latin1(f"Acordo de renegociação nº {head['negotiation_id']}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(
        0, 6, latin1(f"Situação em {br_date(head.get('as_of'))}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(4)

    def section(title: str) -> None:
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, latin1(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)

    def field(label: str, value: Any) -> None:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(50, 6, latin1(label))
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 6, latin1(value), new_x="LMARGIN", new_y="NEXT")

    section("Partes")
    field("Credor:", head.get("company_name") or f"Empresa {head.get('company_id')}")
    field("Devedor:", head.get("client_name") or head.get("customer_code"))
    field("CPF/CNPJ:", head.get("client_document") or "-")
    field("Código do cliente:", head.get("customer_code") or "-")
    pdf.ln(2)

    section("Acordo")
    field("Documento:", head.get("document_number") or "-")
    field("Data do acordo:", br_date(head.get("agreed_on")))
    field("Dívida original:", money(head.get("original_debt")))
    field("Valor acordado:", money(head.get("agreed_amount")))
    field("Desconto:", money(head.get("discount_amount")))
    field("Parcelas:", str(head.get("installments_count") or len(titles)))
    status = head.get("status") or ""
    field("Situação do acordo:", labels.get(("negotiation_status", status), status))
    pdf.ln(2)

    section("Parcelas")
    widths = (18, 30, 34, 34, 34, 40)
    headers = ("Nº", "Vencimento", "Valor", "Pago", "Saldo", "Situação")
    pdf.set_font("Helvetica", "B", 10)
    for width, text in zip(widths, headers, strict=True):
        pdf.cell(width, 7, latin1(text), border=1, align="C")
    pdf.ln()
    pdf.set_font("Helvetica", "", 10)
    for title in titles:
        number = f"{title['installment_number']}/{title['installments_total']}"
        status = title.get("status") or ""
        cells = (
            number,
            br_date(title.get("due_on")),
            money(title.get("amount")),
            money(title.get("paid")),
            money(title.get("balance")),
            labels.get(("receivable_status", status), status),
        )
        for i, (width, text) in enumerate(zip(widths, cells, strict=True)):
            pdf.cell(width, 7, latin1(text), border=1, align="R" if 2 <= i <= 4 else "C")
        pdf.ln()
    if not titles:
        pdf.cell(
            0, 7, latin1("Nenhuma parcela emitida por este acordo."), new_x="LMARGIN", new_y="NEXT"
        )
    pdf.ln(4)
    field("Total pago:", money(head.get("titles_paid")))
    field("Saldo a receber:", money(head.get("titles_receivable")))

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))
    return out
