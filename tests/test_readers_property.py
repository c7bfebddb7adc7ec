"""Property-based test of the readers: no data line of any file is ever lost (issue 22).

Random deliveries, within and outside the contract: CSV (UTF-8 ``,`` and Latin-1 ``;``)
and JSON Lines; quoted fields with delimiters and line breaks, CRLF and CR line ends,
blank lines, a BOM, control bytes and NUL, wrong encodings, truncation at any byte, extra
and missing columns, records longer than the CSV reader's buffer (made small here, the
real mechanism of DuckDB's silent drop), several files per table (the batch and its
file-by-file fallback). The invariant, for every file:

- it has one manifest row; quarantined whole, it has a whole-file quarantine row and no
  raw row;
- otherwise every data record (counted here by Python's own ``csv`` module, or as the
  non-blank lines of a JSON Lines file) is exactly one raw row or one quarantined row:
  the raw ``_row_number``s and the quarantined row numbers are disjoint and together
  ``1..n``;
- no raw text holds a NUL; and ingestion records no unexpected error.

A second property runs the refresh's raw step (the Dagster job) on such deliveries: it
exits 0 when nothing was set aside, 1 when something was, never 2, and leaves a raw
layer holding the same invariant.

The same examples on every run (30 and 4 by default, about 30 s and 2 minutes), plus the
explicit ones of holes found; ``HYPOTHESIS_SEED=<n>`` draws other examples, and
``CARTEIRA_PROPERTY_EXAMPLES=500`` / ``CARTEIRA_PROPERTY_RUNS=20`` search longer.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from carteira.contract import TABLES_BY_FQN, Table  # noqa: E402
from carteira.ingestion import ingest_all, reading  # noqa: E402
from tests.helpers.landing import MEMBERS_HEADER, member  # noqa: E402

T = TABLES_BY_FQN
TABLES = [T["studio__members"], T["erp__companies"], T["crm__campaigns"]]
# the CSV reader's limits while the test runs: a record of a few dozen KB is then longer
# than the buffer, as a 50 MB one is with DuckDB's defaults
MAX_LINE, BUFFER = 4 * 1024, 16 * 1024

VALID = {
    "studio__members": {
        "member_id": ["1", "2", "42", "-7"],
        "registration_type": ["member", "trial", "visitor"],
        "joined_on": ["2026-01-10", "2024-02-29", ""],
        "updated_at": ["2026-11-20 08:00", "2026-01-01 00:00"],
    },
    "erp__companies": {
        "company_id": ["1", "2", "3"],
        "updated_at": ["20/11/2026 10:00:00", "29/02/2028 23:59:59"],
    },
    "crm__campaigns": {
        "campaign_id": ["k1", "k2", "k3"],
        "starts_on": ["2026-11-01", "2026-02-28"],
        "updated_at": ["2026-11-20T10:00:00Z", "2026-11-20T10:00:00.5Z"],
    },
}
ODD_PIECES = [
    "\x00", "\x01", "\x1b", "\x7f", "\t", "\n", "\r", "\r\n", '"', '""', ",", ";", " ",
    "\\", "\\u0000", "é", "ção", "€", "\u2028", "\ufeff", "😀", "{", "}", "[", "]", "null",
]  # fmt: skip

text = st.lists(st.one_of(st.sampled_from(ODD_PIECES), st.text(max_size=6)), max_size=5).map(
    "".join
)


@st.composite
def value(draw: st.DrawFn, fqn: str, column: str) -> str | None:
    choices = VALID.get(fqn, {}).get(column)
    kind = draw(st.integers(0, 9))
    if choices and kind < 6:
        return draw(st.sampled_from(choices))
    if kind == 9:
        return None  # absent (JSON) or empty (CSV)
    if kind == 8 and draw(st.booleans()):
        return "H" * draw(st.integers(MAX_LINE // 2, BUFFER * 2))  # around both limits
    return draw(text)


@st.composite
def columns(draw: st.DrawFn, table: Table) -> list[str]:
    names = list(table.column_names)
    if draw(st.booleans()):
        names = draw(st.permutations(names))
    if draw(st.integers(0, 4)) == 0:
        names = names[: draw(st.integers(1, len(names)))]  # required columns missing
    if draw(st.integers(0, 4)) == 0:
        names.append(draw(st.sampled_from(["extra", "note", "Extra col"])))
    return names


@st.composite
def csv_file(draw: st.DrawFn, table: Table) -> bytes:
    fmt = table.format
    names = draw(columns(table))
    rows = [
        [draw(value(table.fqn, n)) or "" for n in names] for _ in range(draw(st.integers(0, 6)))
    ]
    out = io.StringIO()
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    writer = csv.writer(out, delimiter=fmt.delimiter or ",", quoting=quoting, lineterminator=end)
    writer.writerow(names)
    for row in rows:
        if draw(st.integers(0, 9)) == 0:
            out.write(end)  # a blank line
        if draw(st.integers(0, 9)) == 0 and row:  # a ragged row
            row = row[:-1] if draw(st.booleans()) else [*row, "x"]
        writer.writerow(row)
    body = out.getvalue()
    if draw(st.booleans()):
        body = body.rstrip("\r\n")  # no line end after the last record
    encoding = fmt.encoding if draw(st.integers(0, 5)) else "utf-8"  # now and then wrong
    data = body.encode(encoding, errors="replace")
    if fmt.encoding.lower() == "utf-8" and draw(st.integers(0, 5)) == 0:
        data = b"\xef\xbb\xbf" + data  # a BOM
    return _mangle(draw, data)


@st.composite
def jsonl_file(draw: st.DrawFn, table: Table) -> bytes:
    names = draw(columns(table))
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        record = {n: v for n in names if (v := draw(value(table.fqn, n))) is not None}
        kind = draw(st.integers(0, 14))
        if kind == 0:
            lines.append("")  # a blank line
        elif kind == 1:
            lines.append(draw(text))  # not JSON, or JSON that is not an object
        elif kind == 2 and record:  # a key repeated in the record, or in another case
            key = next(iter(record))
            again = key if draw(st.booleans()) else key.upper()
            lines.append(json.dumps(record)[:-1] + f", {json.dumps(again)}: 1}}")
        else:
            lines.append(json.dumps(record, ensure_ascii=draw(st.booleans())))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    data = end.join(lines).encode() + (end.encode() if draw(st.booleans()) else b"")
    return _mangle(draw, data)


def _mangle(draw: st.DrawFn, data: bytes) -> bytes:
    """Now and then: truncated at any byte, or a byte overwritten (control bytes too)."""
    kind = draw(st.integers(0, 9))
    if kind == 0 and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif kind == 1 and data:
        at = draw(st.integers(0, len(data) - 1))
        byte = draw(st.sampled_from([0x00, 0x0A, 0x0D, 0x22, 0x1A, 0x85, 0xFF]))
        data = data[:at] + bytes([byte]) + data[at + 1 :]
    return data


@dataclass
class Delivery:
    table: Table
    name: str
    data: bytes

    def __repr__(self) -> str:  # a falsifying example names files, not the whole contract
        return f"Delivery(T[{self.table.fqn!r}], {self.name!r}, {self.data!r})"


@st.composite
def deliveries(draw: st.DrawFn) -> list[Delivery]:
    out = []
    for table in draw(st.lists(st.sampled_from(TABLES), min_size=1, max_size=2, unique=True)):
        for day in range(1, draw(st.integers(1, 3)) + 1):
            make = jsonl_file if table.format.extension == "jsonl" else csv_file
            name = f"{table.name}_202611{day:02d}.{table.format.extension}"
            out.append(Delivery(table, f"{table.system}/{table.name}/{name}", draw(make(table))))
    return out


def data_records(d: Delivery) -> int:
    """The file's data records, counted independently of the loader (Python's csv)."""
    if d.table.format.extension == "jsonl":
        return sum(1 for line in d.data.split(b"\n") if line.strip(b" \t\r"))
    fmt = d.table.format
    encoding = "utf-8-sig" if fmt.encoding.lower() == "utf-8" else fmt.encoding
    rows = csv.reader(
        io.StringIO(d.data.decode(encoding), newline=""),
        delimiter=fmt.delimiter or ",",
        strict=True,
    )
    return max(sum(1 for row in rows if row) - 1, 0)


def check_invariant(root: Path, files: list[Delivery]) -> None:
    result = ingest_all(root / "raw.duckdb", root / "landing", tables=TABLES, validate=False)
    assert not result.errors, result.errors
    check_raw_layer(root / "raw.duckdb", files)


def check_raw_layer(raw_path: Path, files: list[Delivery]) -> bool:
    """The invariant on a raw layer; True when anything of the files was set aside."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{raw_path}' AS r (READ_ONLY)")
    try:
        manifest = {
            name: (status, rows)
            for name, status, rows in con.execute(
                "SELECT file_name, status, rows_in_file FROM r.raw._manifest"
            ).fetchall()
        }
        assert set(manifest) == {d.name for d in files}
        for d in files:
            status, rows_in_file = manifest[d.name]
            raw_rows = [
                r
                for (r,) in con.execute(
                    f"SELECT _row_number FROM r.raw.{d.table.fqn} WHERE _file_name = ?", [d.name]
                ).fetchall()
            ]
            quarantined = con.execute(
                "SELECT DISTINCT row_number FROM r.raw._quarantine WHERE file_name = ?",
                [d.name],
            ).fetchall()
            if status == "quarantined":  # whole: every line of it set aside
                assert raw_rows == [] and (None,) in quarantined, d
                continue
            held = data_records(d)
            assert rows_in_file == held, (d, rows_in_file, held)
            rows_q = [r for (r,) in quarantined]
            assert None not in rows_q, d
            assert sorted(raw_rows + rows_q) == list(range(1, held + 1)), (d, raw_rows, rows_q)
        for table in TABLES:
            texts = [c.name for c in table.columns if c.type == "str"]
            nul = " OR ".join(f"contains({c}, chr(0))" for c in texts)
            assert con.execute(
                f"SELECT count(*) FROM r.raw.{table.fqn} "
                f"WHERE {nul} OR contains(_extras::VARCHAR, '\\u0000')"
            ).fetchone() == (0,)
        (set_aside,) = con.execute("SELECT count(*) > 0 FROM r.raw._quarantine").fetchone()
        return bool(set_aside)
    finally:
        con.close()


# What both properties share: the same examples on every run, so CI never meets a new
# one by chance (derandomize); HYPOTHESIS_SEED=<n> draws others, reproducibly (with
# CARTEIRA_PROPERTY_EXAMPLES / _RUNS to search longer). No shrinking: every example
# builds a raw layer and Hypothesis allows itself 5 minutes to shrink one failure, so a
# failure reports the first falsifying example as found (``Delivery`` keeps it readable).
_SEED = os.environ.get("HYPOTHESIS_SEED")
SEARCH = seed(int(_SEED)) if _SEED else (lambda test: test)
FIXED_EXAMPLES: dict = {
    "deadline": None,
    "derandomize": True,  # (a seed overrides it)
    "phases": (Phase.explicit, Phase.reuse, Phase.generate),
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

# Found by this property: a record longer than the CSV reader's buffer followed by
# another record. DuckDB's parallel reader then raised NotImplementedException ("run
# with parallel = false") instead of the record's own error, and the table failed on
# every run (the refresh exited 2). Kept as an explicit example of both properties.
PARALLEL_REFUSAL = [
    Delivery(
        T["studio__members"],
        "studio/members/members_20261101.csv",
        b"\n".join([MEMBERS_HEADER, member(1, b"H" * (BUFFER * 2)), member(2, b"Ana")]),
    )
]


def _write(root: Path, files: list[Delivery]) -> None:
    for d in files:
        path = root / "landing" / d.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(d.data)


@SEARCH
@example(files=PARALLEL_REFUSAL)
@settings(
    max_examples=int(os.environ.get("CARTEIRA_PROPERTY_EXAMPLES", "30")),
    **FIXED_EXAMPLES,
)
@given(files=deliveries())
def test_every_data_line_is_a_raw_row_or_a_quarantine_row(files: list[Delivery]) -> None:
    saved = reading.CSV_MAX_LINE_BYTES, reading.CSV_BUFFER_BYTES
    reading.CSV_MAX_LINE_BYTES, reading.CSV_BUFFER_BYTES = MAX_LINE, BUFFER
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            _write(root, files)
            check_invariant(root, files)
    finally:
        reading.CSV_MAX_LINE_BYTES, reading.CSV_BUFFER_BYTES = saved


@SEARCH
@example(files=PARALLEL_REFUSAL)
@settings(
    # each example is a Dagster run of the raw step (20-30 s, most of it starting
    # great-expectations): fewer of them
    max_examples=int(os.environ.get("CARTEIRA_PROPERTY_RUNS", "4")),
    **FIXED_EXAMPLES,
)
@given(files=deliveries())
def test_the_refresh_exits_as_documented_whatever_the_files_hold(files: list[Delivery]) -> None:
    """Through the refresh's own entry point (the Dagster job, raw step): exit 0 when
    nothing was set aside, 1 when something was quarantined, never 2 or an exception for
    anything a file holds; and the invariant above on the raw layer it wrote."""
    from datetime import date

    from carteira.exit_codes import ExitCode
    from carteira.settings import Settings
    from orchestration.run import run_refresh

    saved = reading.CSV_MAX_LINE_BYTES, reading.CSV_BUFFER_BYTES
    reading.CSV_MAX_LINE_BYTES, reading.CSV_BUFFER_BYTES = MAX_LINE, BUFFER
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            _write(root, files)
            settings = Settings.for_warehouse(
                root / "landing", root / "wh" / "warehouse.duckdb", as_of=date(2026, 11, 3)
            )
            outcome = run_refresh(settings, raw_only=True)
            summary = "\n".join(outcome.summary_lines())
            assert outcome.exit_code in (ExitCode.PUBLISHED, ExitCode.PUBLISHED_WITH_QUARANTINE), (
                summary
            )
            set_aside = check_raw_layer(settings.raw_path, files)
            expected = ExitCode.PUBLISHED_WITH_QUARANTINE if set_aside else ExitCode.PUBLISHED
            assert outcome.exit_code == expected, summary
    finally:
        reading.CSV_MAX_LINE_BYTES, reading.CSV_BUFFER_BYTES = saved
