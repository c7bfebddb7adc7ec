"""File writers: route record versions to per-day delta files, in each system's format.

A record is simulated as a list of *versions* ``(t, raw_row)`` (ascending ``t``, the
first being its creation). :meth:`LandingWriter.emit` applies the delivery rule of
docs/contract/sources.md: the first day's file is a full export (the latest version up to the end
of that day, for every record created by then); each later day's file holds the
latest version of every record changed that day. Rows are buffered per file and
appended in chunks, so memory stays bounded whatever the scale.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carteira.contract import SYSTEMS, TABLES_BY_FQN, Table
from carteira.generator.drift import DRIFT, drift_columns
from carteira.generator.formats import RowFormatter
from carteira.generator.timeline import Timeline

Version = tuple[int, Sequence[Any]]

_FLUSH_CHARS = 1 << 20


@dataclass
class _FileBuffer:
    """Pending text of one landing file, appended to disk in chunks."""

    path: Path
    encoding: str
    extra: list[str]
    buf: io.StringIO = field(default_factory=io.StringIO)
    writer: Any = None
    rows: int = 0

    def flush(self) -> None:
        text = self.buf.getvalue()
        if text:
            with self.path.open("ab") as fh:
                fh.write(text.encode(self.encoding))
            self.buf = io.StringIO()
            if self.writer is not None:
                self.writer = _csv_writer(self.buf, self.writer.dialect.delimiter)


def _csv_writer(buf: io.StringIO, delimiter: str) -> Any:
    return csv.writer(
        buf, delimiter=delimiter, quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\n"
    )


class LandingWriter:
    """Writes ``<landing>/<system>/<table>/<table>_<YYYYMMDD>.<ext>`` for every slot."""

    def __init__(self, landing: Path, timeline: Timeline) -> None:
        self.landing = landing
        self.timeline = timeline
        self.rows: dict[str, int] = {}
        self.files_written = 0
        self._formatters: dict[str, RowFormatter] = {}
        self._open: dict[str, list[_FileBuffer]] = {}

    # ------------------------------------------------------------------ files
    def path_for(self, table: Table, slot: int) -> Path:
        ext = SYSTEMS[table.system].extension
        day = self.timeline.extraction_date(slot).strftime("%Y%m%d")
        return self.landing / table.system / table.name / f"{table.name}_{day}.{ext}"

    def open_tables(self, fqns: Iterable[str]) -> None:
        """Create every day's file of these tables with its header (header-only if unchanged)."""
        for fqn in fqns:
            if fqn in self._open:
                continue
            table = TABLES_BY_FQN[fqn]
            fmt = SYSTEMS[table.system]
            self._formatters[fqn] = RowFormatter(table, self.timeline)
            self.rows.setdefault(fqn, 0)
            buffers: list[_FileBuffer] = []
            for slot in range(self.timeline.days):
                path = self.path_for(table, slot)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(b"")
                self.files_written += 1
                fb = _FileBuffer(path, fmt.encoding, drift_columns(fqn, slot, self.timeline.days))
                if fmt.delimiter is not None:
                    fb.writer = _csv_writer(fb.buf, fmt.delimiter)
                    fb.writer.writerow(table.column_names + fb.extra)
                buffers.append(fb)
            self._open[fqn] = buffers

    def close_tables(self, fqns: Iterable[str]) -> None:
        for fqn in fqns:
            for fb in self._open.pop(fqn, []):
                fb.flush()

    def close_all(self) -> None:
        self.close_tables(list(self._open))

    # ------------------------------------------------------------------ rows
    def write(self, fqn: str, slot: int, raw: Sequence[Any]) -> None:
        """Append one raw row to the file of ``slot``."""
        fb = self._open[fqn][slot]
        fmt = self._formatters[fqn]
        if fb.writer is not None:
            cells = fmt.csv_row(raw)
            if fb.extra:
                cells.append(DRIFT[fqn].value(raw))
            fb.writer.writerow(cells)
        else:
            items = fmt.json_items(raw)
            # absent key = null: most rows omit their null keys, some spell them out.
            if fb.rows % 3:
                items = [kv for kv in items if kv[1] is not None]
            fb.buf.write(json.dumps(dict(items), ensure_ascii=False, separators=(",", ":")))
            fb.buf.write("\n")
        fb.rows += 1
        self.rows[fqn] += 1
        if fb.rows % 512 == 0 and fb.buf.tell() > _FLUSH_CHARS:
            fb.flush()

    def emit(self, fqn: str, versions: Sequence[Version]) -> None:
        """Deliver a record's versions according to the full-export / delta rule."""
        tl = self.timeline
        first = versions[0][0]
        end = tl.end
        if first >= end:
            return
        d1 = tl.day1_end
        if first < d1:
            last = versions[0]
            for v in versions:
                if v[0] < d1:
                    last = v
                else:
                    break
            self.write(fqn, 0, last[1])
        n = len(versions)
        for i, (t, raw) in enumerate(versions):
            if t < d1:
                continue
            if t >= end:
                break
            slot = tl.slot_of(t)
            if i + 1 < n and versions[i + 1][0] < end and tl.slot_of(versions[i + 1][0]) == slot:
                continue  # a later change the same day supersedes this one
            self.write(fqn, slot, raw)
