"""How many data records a delivered file holds, counted without DuckDB's reader.

DuckDB's CSV reader drops, without an error, a record longer than its buffer (32 MiB by
default: a 50 MB last line, or a 50 MB garbage line after the header, read as "no rows").
Every file a table loads is therefore counted a second, independent way, and a file whose
rows read (loaded plus quarantined) do not account for every record it holds is
quarantined whole (``reading.RecordsUnaccounted``): a reader's silent loss becomes a
quarantine with a reason, never a file ``loaded`` with fewer rows.

The counts follow the dialects the readers are given (``reading``):

- CSV: records end at ``\\n``, ``\\r\\n`` or ``\\r`` outside double quotes (a quoted field
  may hold line breaks; a doubled quote inside one is an escaped quote), empty lines are
  no record, the first record is the header;
- JSON Lines: one record per line holding anything but JSON whitespace.

Only new files are counted (the files a run loads), in one streamed pass each, at C
speed: quoted runs are folded away by a regular expression, then records are the runs of
bytes between line breaks.
"""

from __future__ import annotations

import re
from pathlib import Path

from carteira.contract import Table
from carteira.ingestion.files import open_regular

_CHUNK = 1 << 22
# a quoted run, closed within the chunk (a doubled quote is two runs side by side)
_QUOTED = re.compile(rb'"[^"]*"')
_RECORD = re.compile(rb"[^\r\n]+")
_JSON_RECORD = re.compile(rb"[^ \t\r\n]")
_JSON_LINE = re.compile(rb"(?m)^[ \t\r]*[^ \t\r\n]")


# what starts a line that may hold only whitespace (then each line is looked at)
_MAYBE_BLANK = re.compile(rb"\n[ \t\r\n]")


def _json_lines(lines: bytes) -> int:
    """Lines holding anything but whitespace, of whole lines (``lines`` ends with \\n)."""
    if not lines:
        return 0
    if lines[:1] in (b" ", b"\t", b"\r", b"\n") or _MAYBE_BLANK.search(lines):
        return len(_JSON_LINE.findall(lines))
    return lines.count(b"\n")  # no line starts with whitespace: none is blank


def _runs(folded: bytes) -> int:
    """Maximal runs of bytes other than line breaks: the records (or record parts) of a
    chunk whose quoted fields are folded away."""
    if b"\r" in folded:
        folded = folded.replace(b"\r\n", b"\n")
        if b"\r" in folded:  # lone CRs (old Mac line ends): the general, slower count
            return len(_RECORD.findall(folded))
    if b"\n\n" in folded:
        return len(_RECORD.findall(folded))
    # no empty line: one run per line break, plus an unterminated last one, less an
    # empty first one
    return folded.count(b"\n") + (not folded.endswith(b"\n")) - folded.startswith(b"\n")


def count_csv_records(path: Path) -> int:
    """Records of a CSV file, its header included (see the module docstring)."""
    records = 0
    in_quote = False  # the chunk starts inside a quoted field
    after_break = True  # the last byte seen (quotes folded) ends a line, or nothing yet
    with open_regular(path) as fh:
        while chunk := fh.read(_CHUNK):  # type: ignore[attr-defined]
            if in_quote:
                end = chunk.find(b'"')
                if end < 0:  # the whole chunk is inside one quoted field
                    after_break = False
                    continue
                chunk = b"x" + chunk[end + 1 :]  # the field so far: one non-break byte
                in_quote = False
            folded = chunk
            if b'"' in chunk:
                folded = _QUOTED.sub(b"x", chunk)
                open_quote = folded.find(b'"')
                if open_quote >= 0:  # a field opened here and closed in a later chunk
                    folded = folded[:open_quote] + b"x"
                    in_quote = True
            if not folded:
                continue
            runs = _runs(folded)
            if not after_break and folded[:1] not in (b"\r", b"\n"):
                runs -= 1  # the record the previous chunk ended in goes on here
            records += runs
            after_break = folded[-1:] in (b"\r", b"\n")
    return records


def count_jsonl_records(path: Path) -> int:
    """Lines of a JSON Lines file holding anything but JSON whitespace."""
    records = 0
    carry = b""
    with open_regular(path) as fh:
        while chunk := fh.read(_CHUNK):  # type: ignore[attr-defined]
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            lines, carry = data[:cut], data[cut:]
            records += _json_lines(lines)
    if _JSON_RECORD.search(carry):
        records += 1
    return records


def data_records(path: Path, table: Table) -> int:
    """The data records the file holds: every record but a CSV file's header."""
    if table.format.extension == "jsonl":
        return count_jsonl_records(path)
    return max(count_csv_records(path) - 1, 0)


__all__ = ["count_csv_records", "count_jsonl_records", "data_records"]
