"""The source extract contract as data.

Generator, ingestion, extract validation, the dbt sources and the contract's page
(docs/contract/sources.md, written from this module by `carteira.devtools.contract_doc`)
all read this one description, so a table or column is declared exactly once in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["str", "int", "dec", "date", "ts", "bool", "str[]"]
SystemName = Literal["crm", "pbx", "studio", "erp"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    nullable: bool = False
    enum: tuple[str, ...] | None = None
    # What the value means when the name and type do not say it (shown in
    # docs/contract/sources.md); not part of the column's identity.
    note: str = field(default="", compare=False)


@dataclass(frozen=True)
class SystemFormat:
    """How one source system writes its files."""

    name: SystemName
    extension: str  # "csv" or "jsonl"
    delimiter: str | None
    encoding: str  # python codec name
    ts_format: str | None  # strftime pattern of local timestamps; None for UTC ISO (crm)
    date_format: str
    decimal_comma: bool
    true_token: str
    false_token: str


SYSTEMS: dict[str, SystemFormat] = {
    "crm": SystemFormat("crm", "jsonl", None, "utf-8", None, "%Y-%m-%d", False, "true", "false"),
    "pbx": SystemFormat(
        "pbx", "csv", ",", "utf-8", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", False, "true", "false"
    ),
    "studio": SystemFormat(
        "studio", "csv", ",", "utf-8", "%Y-%m-%d %H:%M", "%Y-%m-%d", False, "true", "false"
    ),
    "erp": SystemFormat(
        "erp", "csv", ";", "latin-1", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y", True, "S", "N"
    ),
}


@dataclass(frozen=True)
class Table:
    system: SystemName
    name: str
    columns: tuple[Column, ...]
    primary_key: str
    large: bool = False  # candidates for incremental staging
    description: str = ""
    _by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({c.name: c for c in self.columns})

    @property
    def fqn(self) -> str:
        return f"{self.system}__{self.name}"

    @property
    def format(self) -> SystemFormat:
        return SYSTEMS[self.system]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return self._by_name[name]

    @property
    def has_updated_at(self) -> bool:
        return "updated_at" in self._by_name

    @property
    def has_deleted_at(self) -> bool:
        return "deleted_at" in self._by_name


def _c(spec: str, enum: tuple[str, ...] | None = None, note: str = "") -> Column:
    """Parse 'name type' or 'name type?' (nullable)."""
    name, typ = spec.split()
    nullable = typ.endswith("?")
    return Column(name, typ.rstrip("?"), nullable, enum, note)  # type: ignore[arg-type]


def _t(
    system: SystemName,
    name: str,
    pk: str,
    *cols: Column,
    large: bool = False,
    description: str = "",
) -> Table:
    return Table(system, name, tuple(cols), pk, large, description)


TABLES: tuple[Table, ...] = (
    # ---------------------------------------------------------------- crm
    _t(
        "crm",
        "departments",
        "department_id",
        _c("department_id str"),
        _c("name str"),
        _c("parent_department_id str?"),
        _c("head_staff_id str?"),
        _c("updated_at ts"),
        description="Departments of the business; a tree through parent_department_id.",
    ),
    _t(
        "crm",
        "staff",
        "staff_id",
        _c("staff_id str"),
        _c("full_name str"),
        _c("email str"),
        _c("department_id str"),
        _c("extension str?"),
        _c("can_view_all bool"),
        _c("active bool"),
        _c("updated_at ts"),
        _c("deleted_at ts?"),
        description="Staff master; erp refers to staff by e-mail, pbx by extension.",
    ),
    _t(
        "crm",
        "clients",
        "client_id",
        _c("client_id str"),
        _c("full_name str"),
        _c("document_number str?"),
        _c("email str?"),
        _c("phones str[]"),
        _c(
            "source str?",
            note="acquisition channel: `website`, `referral`, `facebook`, `walk_in`, "
            "`google_forms`, ...",
        ),
        _c("client_group str?", note="`standard`, `vip`, `corporate`, ..."),
        _c("owner_staff_id str?", note="null = unassigned"),
        _c("city str?"),
        _c("created_at ts"),
        _c("updated_at ts"),
        _c("deleted_at ts?"),
        description="CRM clients with free-format phone numbers and an owner.",
    ),
    _t(
        "crm",
        "client_notes",
        "note_id",
        _c("note_id str"),
        _c("client_id str"),
        _c("kind str", ("warning", "contact", "reference")),
        _c("body str"),
        _c("created_by_staff_id str?"),
        _c("created_at ts"),
        _c("updated_at ts"),
        _c("deleted_at ts?"),
        description="Notes on a client: warnings, contacts, references.",
    ),
    _t(
        "crm",
        "campaigns",
        "campaign_id",
        _c("campaign_id str"),
        _c("name str"),
        _c("starts_on date"),
        _c("ends_on date?"),
        _c("updated_at ts"),
        description="Sales campaigns that opportunities belong to.",
    ),
    _t(
        "crm",
        "opportunities",
        "opportunity_id",
        _c("opportunity_id str"),
        _c("client_id str"),
        _c("campaign_id str?"),
        _c("owner_staff_id str?"),
        _c("stage str", ("new", "contacted", "qualified", "won", "lost")),
        _c("amount dec?"),
        _c("created_at ts", note="when the client entered the campaign"),
        _c("updated_at ts"),
        _c("deleted_at ts?"),
        description="A client entering a campaign, owned by a staff member.",
    ),
    _t(
        "crm",
        "tasks",
        "task_id",
        _c("task_id str"),
        _c("client_id str"),
        _c("opportunity_id str?"),
        _c("task_type str", ("appointment", "call", "email", "visit", "other")),
        _c("assigned_staff_id str?"),
        _c("created_by_staff_id str?"),
        _c("due_at ts"),
        _c("completed_at ts?"),
        _c("status str", ("open", "done", "cancelled")),
        _c("created_at ts"),
        _c("updated_at ts"),
        _c("deleted_at ts?"),
        description="CRM tasks, appointments among them.",
    ),
    _t(
        "crm",
        "interactions",
        "interaction_id",
        _c("interaction_id str"),
        _c("client_id str"),
        _c("staff_id str?"),
        _c("channel str", ("email", "sms", "whatsapp", "phone", "notification", "meeting")),
        _c("direction str", ("outbound", "inbound")),
        _c("occurred_at ts"),
        _c("subject str?"),
        _c("updated_at ts"),
        large=True,
        description="Contacts with clients through any channel.",
    ),
    # ---------------------------------------------------------------- pbx
    _t(
        "pbx",
        "calls",
        "call_id",
        _c("call_id int"),
        _c("started_at ts"),
        _c("extension str"),
        _c("direction str", ("outbound", "inbound")),
        _c("from_number str"),
        _c("to_number str"),
        _c("disposition str", ("ANSWERED", "NO ANSWER", "BUSY", "FAILED")),
        _c("talk_seconds int"),
        large=True,
        description="Call detail records; immutable, a call_id seen twice is a re-delivery.",
    ),
    # ---------------------------------------------------------------- studio
    _t(
        "studio",
        "members",
        "member_id",
        _c("member_id int"),
        _c("full_name str"),
        _c("document_number str?"),
        _c("email str?"),
        _c("phone str?"),
        _c("registration_type str", ("member", "trial", "visitor", "former_member")),
        _c("joined_on date?"),
        _c("updated_at ts"),
        _c("deleted_at ts?"),
        description="Studio members (clients of the class/booking system).",
    ),
    _t(
        "studio",
        "areas",
        "area_id",
        _c("area_id int"),
        _c("name str"),
        _c("updated_at ts"),
        description="Rooms/areas where sessions happen.",
    ),
    _t(
        "studio",
        "activities",
        "activity_id",
        _c("activity_id int"),
        _c("name str"),
        _c("area_id int"),
        _c("updated_at ts"),
        description="Kinds of class.",
    ),
    _t(
        "studio",
        "instructors",
        "instructor_id",
        _c("instructor_id int"),
        _c("full_name str"),
        _c("email str?"),
        _c("updated_at ts"),
        description="Instructors; not linked to crm staff.",
    ),
    _t(
        "studio",
        "sessions",
        "session_id",
        _c("session_id int"),
        _c("activity_id int"),
        _c("area_id int"),
        _c("instructor_id int"),
        _c("starts_at ts"),
        _c("ends_at ts"),
        _c("capacity int"),
        _c("finalized_at ts?", note="set when the instructor finalizes the class"),
        _c("cancelled bool"),
        _c("updated_at ts"),
        description="Scheduled classes.",
    ),
    _t(
        "studio",
        "bookings",
        "booking_id",
        _c("booking_id int"),
        _c("session_id int"),
        _c("member_id int"),
        _c("booked_at ts"),
        _c("cancelled_at ts?"),
        _c("attendance str?", ("present", "absent"), note="null = not marked"),
        _c("updated_at ts"),
        large=True,
        description="A member booked into a session.",
    ),
    # ---------------------------------------------------------------- erp
    _t(
        "erp",
        "companies",
        "company_id",
        _c("company_id int"),
        _c("name str"),
        _c("updated_at ts"),
        description="Companies of the business group.",
    ),
    _t(
        "erp",
        "customers",
        "customer_code",
        _c("customer_code str"),
        _c("full_name str"),
        _c("document_number str?"),
        _c("email str?"),
        _c("phone str?"),
        _c("city str?"),
        _c("updated_at ts"),
        _c("deleted_at ts?"),
        description="ERP customers.",
    ),
    _t(
        "erp",
        "products",
        "product_id",
        _c("product_id int"),
        _c("product_code str"),
        _c("name str"),
        _c("category str"),
        _c("updated_at ts"),
        description="Product catalogue.",
    ),
    _t(
        "erp",
        "quotes",
        "quote_id",
        _c("quote_id int"),
        _c("company_id int"),
        _c("customer_code str"),
        _c("salesperson_email str?"),
        _c("created_at ts"),
        _c("valid_until date"),
        _c("status str", ("open", "won", "lost", "expired")),
        _c("amount dec"),
        _c("updated_at ts"),
        description="Sales quotes.",
    ),
    _t(
        "erp",
        "orders",
        "order_id",
        _c("order_id int"),
        _c("company_id int"),
        _c("order_code str", note="the sale code"),
        _c("customer_code str"),
        _c("salesperson_email str?"),
        _c("ordered_at ts"),
        _c("status str", ("open", "invoiced", "delivered", "cancelled")),
        _c("promised_delivery_on date?"),
        _c("delivered_on date?"),
        _c("invoice_number str?"),
        _c("quote_id int?"),
        _c("contract_id int?"),
        _c("updated_at ts"),
        description="Sales orders.",
    ),
    _t(
        "erp",
        "order_items",
        "order_item_id",
        _c("order_item_id int"),
        _c("order_id int"),
        _c("product_id int"),
        _c("quantity dec"),
        _c("unit_price dec"),
        _c("discount_amount dec"),
        _c("lot_number str?"),
        _c("size str?"),
        _c("updated_at ts"),
        large=True,
        description="Lines of sales orders.",
    ),
    _t(
        "erp",
        "receivables",
        "receivable_id",
        _c("receivable_id int"),
        _c("company_id int"),
        _c("customer_code str"),
        _c("order_id int?"),
        _c(
            "negotiation_id int?",
            note="set when the title was issued by a renegotiation agreement",
        ),
        _c("document_number str"),
        _c("installment_number int"),
        _c("installments_total int"),
        _c("issued_on date"),
        _c("due_on date"),
        _c("amount dec"),
        _c("cancelled_on date?"),
        _c("renegotiated_on date?", note="replaced by an agreement"),
        _c("credit_bureau_on date?", note="reported to a credit bureau"),
        _c("collection_on date?", note="sent to collection"),
        _c("updated_at ts"),
        large=True,
        description="Titles (installments) receivable from customers.",
    ),
    _t(
        "erp",
        "payments",
        "payment_id",
        _c("payment_id int"),
        _c("receivable_id int"),
        _c("paid_on date"),
        _c("amount dec"),
        _c("method str", ("cash", "card", "pix", "boleto", "transfer")),
        _c("updated_at ts"),
        _c("deleted_at ts?", note="a reversed payment"),
        large=True,
        description="Payments of titles; deleted_at marks a reversed payment.",
    ),
    _t(
        "erp",
        "negotiations",
        "negotiation_id",
        _c("negotiation_id int"),
        _c("company_id int"),
        _c("customer_code str"),
        _c("document_number str"),
        _c("agreed_on date"),
        _c("original_debt dec"),
        _c("agreed_amount dec"),
        _c("installments_count int"),
        _c("status str", ("active", "settled", "broken", "cancelled")),
        _c("updated_at ts"),
        description="Renegotiation agreements.",
    ),
    _t(
        "erp",
        "service_orders",
        "service_order_id",
        _c("service_order_id int"),
        _c("company_id int"),
        _c("customer_code str"),
        _c("equipment str"),
        _c("serial_number str?"),
        _c("opened_at ts"),
        _c("closed_at ts?"),
        _c("status str", ("open", "in_progress", "done", "cancelled")),
        _c("technician_name str?"),
        _c("updated_at ts"),
        description="Technical service orders.",
    ),
    _t(
        "erp",
        "service_order_lines",
        "line_id",
        _c("line_id int"),
        _c("service_order_id int"),
        _c("line_type str", ("part", "service")),
        _c("product_id int?"),
        _c("description str"),
        _c("quantity dec"),
        _c("unit_price dec"),
        _c("updated_at ts"),
        description="Parts and services of a service order.",
    ),
    _t(
        "erp",
        "returns",
        "return_id",
        _c("return_id int"),
        _c("order_item_id int"),
        _c("returned_on date"),
        _c("quantity dec"),
        _c("reason str?"),
        _c("refund_amount dec"),
        _c("updated_at ts"),
        description="Returned order items.",
    ),
    _t(
        "erp",
        "projects",
        "project_id",
        _c("project_id int"),
        _c("company_id int"),
        _c("customer_code str"),
        _c("responsible_email str?"),
        _c("specifier_name str?"),
        _c("created_at ts"),
        _c("environments_count int"),
        _c("probable_sale_amount dec?"),
        _c("expected_close_on date?"),
        _c("closing_status str", ("open", "won", "lost")),
        _c("updated_at ts"),
        description="Furniture projects.",
    ),
    _t(
        "erp",
        "contracts",
        "contract_id",
        _c("contract_id int"),
        _c("project_id int"),
        _c("contract_number str"),
        _c("signed_on date"),
        _c("amount dec"),
        _c("environments_count int"),
        _c("stage str", ("revision", "order", "delivery", "assembly", "completed", "cancelled")),
        _c("updated_at ts"),
        description="Contracts signed under a project.",
    ),
    _t(
        "erp",
        "purchase_orders",
        "purchase_order_id",
        _c("purchase_order_id int"),
        _c("contract_id int"),
        _c("supplier_name str"),
        _c("ordered_on date"),
        _c("amount dec"),
        _c("status str", ("open", "received", "cancelled")),
        _c("updated_at ts"),
        description="Purchase orders to suppliers for a contract.",
    ),
    _t(
        "erp",
        "schedule_events",
        "event_id",
        _c("event_id int"),
        _c("company_id int"),
        _c("customer_code str"),
        _c("event_type str", ("delivery", "technical_visit", "follow_up_call", "assembly")),
        _c("scheduled_for ts"),
        _c("completed_at ts?"),
        _c("status str", ("scheduled", "done", "cancelled")),
        _c("responsible_email str?"),
        _c("order_id int?"),
        _c("updated_at ts"),
        description="Deliveries, visits, calls and assemblies scheduled with customers.",
    ),
)

TABLES_BY_FQN: dict[str, Table] = {t.fqn: t for t in TABLES}

# DuckDB type of each contract type, as stored in the raw layer.
DUCKDB_TYPES: dict[str, str] = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "dec": "DECIMAL(18,2)",
    "date": "DATE",
    "ts": "TIMESTAMP",
    "bool": "BOOLEAN",
    "str[]": "VARCHAR[]",
}

assert len(TABLES) == 31, len(TABLES)
