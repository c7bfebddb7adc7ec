"""What a refresh does not read from the landing zone, one line each, with the reason.

The one list behind the ``landing_zone`` asset's warn-severity check
(``only_contract_entries``) and so behind the refresh summary: entries the contract does
not know and system or table folders that are links (``files.landing_entries``), entries
of a table folder that are refused unread (links, FIFOs and other non-regular files:
``files.refusal``) and deliveries dated after the day the refresh describes. Without it
each of these would be skipped without a trace: a mistyped date
(``bookings_20991231.csv``) would wait for 2099 in silence.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from carteira.contract import TABLES, Table
from carteira.ingestion.files import (
    is_real_dir,
    landing_entries,
    refusal,
    scan_table_dir,
    table_dir,
)

# deliveries named per table in a "dated after as_of" line before "and N more"
_NAMED_FUTURE_FILES = 3


def refused_in_table_folder(landing: Path, table: Table) -> list[str]:
    """``<file>: <why>`` for every link or non-regular entry of the table's folder.

    The system and table folders themselves are checked by ``files.landing_entries``.
    """
    folder = table_dir(landing, table)
    if not is_real_dir(folder) or not is_real_dir(folder.parent):
        return []
    return [
        f"{path.relative_to(landing).as_posix()}: {why}"
        for path in sorted(folder.iterdir())
        if not path.name.startswith(".") and (why := refusal(path)) is not None
    ]


def dated_after(landing: Path, table: Table, as_of: date) -> str | None:
    """One line for the table's deliveries dated after ``as_of``, or None.

    They are not read (a warehouse for ``as_of`` is built from the extracts dated up to
    it), and they are listed because a date in the future is as likely a typo as an
    early delivery. One line per table: a rebuild of an earlier day has a whole history
    after it.
    """
    good, _ = scan_table_dir(landing, table)
    later = [lf for lf in good if lf.extract_date > as_of]
    if not later:
        return None
    names = ", ".join(lf.path.name for lf in later[:_NAMED_FUTURE_FILES])
    extra = len(later) - _NAMED_FUTURE_FILES
    more = f" and {extra} more" if extra > 0 else ""
    return (
        f"{table.system}/{table.name}/: {len(later)} delivery(ies) dated after as_of "
        f"{as_of.isoformat()}, not read until a refresh for their date: {names}{more}"
    )


def unread_entries(
    landing: Path, as_of: date | None, tables: tuple[Table, ...] = TABLES
) -> list[str]:
    """Every entry of the landing zone a refresh for ``as_of`` does not read, with why.

    Lines start with what is wrong in a person's words: ``not in the contract, not
    read: ...`` for what the contract does not know, ``not read: ...`` for what is
    refused or dated later. ``as_of`` None: no date cut.
    """
    landing = Path(landing)
    lines = [
        f"not read: {entry}" if refused else f"not in the contract, not read: {entry}"
        for entry, refused in landing_entries(landing)
    ]
    for table in tables:
        lines += [f"not read: {r}" for r in refused_in_table_folder(landing, table)]
        if as_of is not None and (later := dated_after(landing, table, as_of)) is not None:
            lines.append(f"not read: {later}")
    return lines


__all__ = ["dated_after", "refused_in_table_folder", "unread_entries"]
