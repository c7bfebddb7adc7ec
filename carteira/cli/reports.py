"""`carteira report ...`: one subcommand per report of `carteira/reports/`.

Each command only parses its options and hands an open read-only connection to the
report's function (`emit`); the numbers, the queries and the report's declaration
(`REPORTS` of each module) live in `carteira/reports/`, which knows nothing of click.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from carteira.cli.options import warehouse_option
from carteira.cli.report_options import (
    DATE,
    as_date,
    as_optional_date,
    common_options,
    emit,
    period_options,
    viewer_option,
)
from carteira.reports.activity import (
    OUTCOMES,
    REGISTRATION_TYPES,
    activity_clients,
    activity_occupancy,
)
from carteira.reports.customer import (
    CARD_SECTIONS,
    HISTORY_SECTIONS,
    TITLE_STATUSES,
    client_card,
    customer_history,
    negotiation,
    only_section,
    status_labels,
)
from carteira.reports.engine import ReportError, connect
from carteira.reports.portfolio import portfolio_report, portfolio_request
from carteira.reports.telesales import MODES, telesales
from carteira.reports.views import STAGE_CHOICES


@click.group()
def report() -> None:
    """Answer one of the business's report screens from the published warehouse."""


@click.command("activity-clients")
@period_options
@click.option(
    "--registration-type",
    "registration_types",
    multiple=True,
    type=click.Choice(REGISTRATION_TYPES),
    help="Only clients of this registration type (repeatable).",
)
@click.option(
    "--outcome",
    "outcomes",
    multiple=True,
    type=click.Choice(OUTCOMES),
    help="Only bookings with this outcome (repeatable).",
)
@click.option(
    "--client",
    metavar="CLIENT_KEY",
    default=None,
    help="Drill down: this client's bookings (session, activity, outcome...).",
)
@viewer_option
@common_options
def activity_clients_command(
    from_date: datetime,
    to_date: datetime,
    registration_types: tuple[str, ...],
    outcomes: tuple[str, ...],
    client: str | None,
    viewer: str | None,
    warehouse: Path,
    fmt: str,
) -> None:
    """Bookings and attendance per client in a period (docs/contract/reports.md 1)."""
    emit(
        warehouse,
        fmt,
        lambda con: activity_clients(
            con, as_date(from_date), as_date(to_date), registration_types, outcomes, client, viewer
        ),
    )


@click.command("activity-occupancy")
@period_options
@viewer_option
@common_options
def activity_occupancy_command(
    from_date: datetime,
    to_date: datetime,
    viewer: str | None,
    warehouse: Path,
    fmt: str,
) -> None:
    """Capacity, booked and attended per session in a period (docs/contract/reports.md 2)."""
    emit(
        warehouse,
        fmt,
        lambda con: activity_occupancy(con, as_date(from_date), as_date(to_date), viewer),
    )


@click.command("telesales")
@click.option(
    "--calls-from",
    type=DATE,
    required=True,
    help="First day of the call period (inclusive, YYYY-MM-DD).",
)
@click.option(
    "--calls-to",
    type=DATE,
    required=True,
    help="Last day of the call period (inclusive, YYYY-MM-DD).",
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="client_owner",
    show_default=True,
    help="Owner of the client (crm client) or of the opportunity.",
)
@click.option(
    "--owner",
    "owners",
    multiple=True,
    metavar="STAFF_ID",
    help="Only these owners (repeatable); default all, with `unassigned`.",
)
@click.option(
    "--department",
    metavar="DEPARTMENT_ID",
    default=None,
    help="Only owners of this department and of its sub-departments.",
)
@click.option(
    "--campaign",
    metavar="CAMPAIGN_ID",
    default=None,
    help="Only opportunities of this campaign (mode opportunity_owner).",
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="Only clients of this acquisition source (repeatable).",
)
@click.option(
    "--group",
    "client_groups",
    multiple=True,
    help="Only clients of this client group (repeatable).",
)
@click.option(
    "--created-from",
    type=DATE,
    default=None,
    help="Client (or opportunity) created on or after this date.",
)
@click.option(
    "--created-to",
    type=DATE,
    default=None,
    help="Client (or opportunity) created on or before this date.",
)
@viewer_option
@common_options
def telesales_command(
    calls_from: datetime,
    calls_to: datetime,
    mode: str,
    owners: tuple[str, ...],
    department: str | None,
    campaign: str | None,
    sources: tuple[str, ...],
    client_groups: tuple[str, ...],
    created_from: datetime | None,
    created_to: datetime | None,
    viewer: str | None,
    warehouse: Path,
    fmt: str,
) -> None:
    """Calls, appointments and orders per owner (docs/contract/reports.md 3)."""
    emit(
        warehouse,
        fmt,
        lambda con: telesales(
            con,
            as_date(calls_from),
            as_date(calls_to),
            mode,
            owners,
            department,
            campaign,
            sources,
            client_groups,
            as_optional_date(created_from),
            as_optional_date(created_to),
            viewer,
        ),
    )


@click.command("customer-history")
@click.option(
    "--client",
    required=True,
    help="client_key, crm client_id, studio member_id, erp customer_code or document.",
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(TITLE_STATUSES),
    help="Only titles in this status (repeatable).",
)
@click.option(
    "--section",
    type=click.Choice(list(HISTORY_SECTIONS)),
    default=None,
    help="Only this section (plain CSV).",
)
@common_options
def customer_history_command(
    client: str, statuses: tuple[str, ...], section: str | None, warehouse: Path, fmt: str
) -> None:
    """Customer history: titles, items bought, negotiations, schedule."""
    emit(
        warehouse,
        fmt,
        lambda con: only_section(customer_history(con, client, statuses), section),
        newline=fmt != "csv",
    )


@click.command("client-card")
@click.option(
    "--client",
    required=True,
    help="client_key, crm client_id, studio member_id, erp customer_code or document.",
)
@click.option(
    "--section",
    type=click.Choice(list(CARD_SECTIONS)),
    default=None,
    help="Only this section (plain CSV).",
)
@common_options
def client_card_command(client: str, section: str | None, warehouse: Path, fmt: str) -> None:
    """Client card (360 view): finances, yearly indicators, CRM, sales, service, alerts."""
    emit(
        warehouse,
        fmt,
        lambda con: only_section(client_card(con, client), section),
        newline=fmt != "csv",
    )


@click.command("negotiation")
@click.option("--id", "negotiation_id", type=int, required=True, help="negotiation_id.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "pdf"]),
    default="table",
    show_default=True,
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Output file (required for pdf).",
)
@warehouse_option("Published warehouse file.", resolved=True)
def negotiation_command(negotiation_id: int, fmt: str, out: Path | None, warehouse: Path) -> None:
    """One renegotiation agreement and its installments; --format pdf writes a document."""
    try:
        with connect(warehouse) as con:
            result = negotiation(con, negotiation_id)
            labels = status_labels(con, "pt") if fmt == "pdf" else {}
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "pdf":
        if out is None:
            raise click.UsageError("--format pdf needs --out FILE")
        from carteira.reports.negotiation_pdf import write_negotiation_pdf

        head = dict(result.summary, as_of=result.params["as_of"])
        write_negotiation_pdf(head, result.sections["installments"], out, labels)
        click.echo(f"wrote {out}")
        return
    text = result.render(fmt)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=fmt != "csv")


@click.command("portfolio")
@click.option("--view", "view_name", default=None, help="Saved view (carteira views list).")
@click.option(
    "--created-from",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Project created on or after (inclusive).",
)
@click.option(
    "--created-to",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Project created on or before (inclusive).",
)
@click.option(
    "--signed-from",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Contract signed on or after (inclusive).",
)
@click.option(
    "--signed-to",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Contract signed on or before (inclusive).",
)
@click.option("--responsible", default=None, help="Responsible staff_id or e-mail; all if omitted.")
@click.option(
    "--stage",
    "stages",
    multiple=True,
    type=click.Choice(STAGE_CHOICES),
    help="Contract stage, repeatable; 'none' = projects without contract.",
)
@click.option("--columns", default=None, help="Comma-separated columns to show, in order.")
@common_options
def portfolio_command(
    view_name: str | None,
    created_from: Any,
    created_to: Any,
    signed_from: Any,
    signed_to: Any,
    responsible: str | None,
    stages: tuple[str, ...],
    columns: str | None,
    warehouse: Path,
    fmt: str,
) -> None:
    """Customer portfolio: one row per project and contract."""
    overrides: dict[str, Any] = {
        "created_from": created_from.date() if created_from else None,
        "created_to": created_to.date() if created_to else None,
        "signed_from": signed_from.date() if signed_from else None,
        "signed_to": signed_to.date() if signed_to else None,
        "responsible": responsible,
        "stage": list(stages) or None,
    }
    chosen = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    try:
        portfolio_request(view_name, overrides, chosen)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    emit(
        warehouse,
        fmt,
        lambda con: portfolio_report(con, view_name=view_name, filters=overrides, columns=chosen),
    )


for _command in (
    activity_clients_command,
    activity_occupancy_command,
    telesales_command,
    customer_history_command,
    client_card_command,
    negotiation_command,
    portfolio_command,
):
    report.add_command(_command)
