"""Landing-zone discovery: which delivered files belong to a table, and in what order."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from carteira.contract import TABLES, Table


@dataclass(frozen=True)
class LandingFile:
    """One delivered extract, with the metadata its name carries."""

    path: Path
    rel_name: str  # path relative to the landing root, '/'-separated
    system: str
    table: str
    extract_date: date
    delivery_seq: int


@dataclass(frozen=True)
class BadlyNamedFile:
    """A file in a table's landing folder whose name breaks the naming contract."""

    path: Path
    rel_name: str
    system: str
    table: str
    reason: str


def _name_regex(table: Table) -> re.Pattern[str]:
    return re.compile(
        rf"{re.escape(table.name)}_(?P<d>[0-9]{{8}})(?:_(?P<n>[0-9]+))?"
        rf"\.{re.escape(table.format.extension)}"
    )


def table_dir(landing: Path, table: Table) -> Path:
    """``<landing>/<system>/<table>``."""
    return landing / table.system / table.name


def _rel(landing: Path, path: Path) -> str:
    return path.relative_to(landing).as_posix()


def refusal(path: Path) -> str | None:
    """Why an entry of the landing zone is refused without being read, or None.

    Only regular files are deliveries. A symbolic link (to a file or a folder) would make
    the refresh read, and copy into the quarantine folder, whatever it points at, inside
    the landing zone or not; a FIFO would block the reader, a device or socket is not
    data. Decided from ``lstat``, which looks at the entry itself and never at a link's
    target. Folders are not refused here (their callers decide what a folder is).
    """
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return f"cannot be examined ({exc.strerror or type(exc).__name__})"
    if stat.S_ISLNK(mode):
        return "a symbolic link, refused: links are never followed (deliver the file itself)"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = (
        "a FIFO"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a special file"
    )
    return f"not a regular file ({kind}), refused: only regular files are read"


def is_regular_file(path: Path) -> bool:
    """A regular file itself, not a link to one (``lstat``)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def is_real_dir(path: Path) -> bool:
    """A folder itself, not a link to one (``lstat``)."""
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except OSError:
        return False


class NotARegularFile(OSError):
    """A landing path that is (now) a link or not a regular file: never read."""


@contextmanager
def open_regular(path: Path) -> Iterator[object]:
    """Open a landing file for reading, refusing a link or anything not a regular file.

    The scan already refused them; opening with ``O_NOFOLLOW`` and checking the opened
    descriptor keeps a file swapped for a link after the scan from being read anyway
    (never a FIFO either: ``O_NONBLOCK`` keeps its open from waiting for a writer).
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if is_regular_file(path):
            raise
        raise NotARegularFile(f"{path}: {refusal(path) or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotARegularFile(f"{path}: {refusal(path)}")
        os.set_blocking(fd, True)
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        yield fh


def scan_table_dir(landing: Path, table: Table) -> tuple[list[LandingFile], list[BadlyNamedFile]]:
    """All files of a table's landing folder, split into well-named and badly-named ones.

    Dot-files (editor/partial-upload leftovers) and sub-folders are not deliveries and are
    ignored; links and anything else not a regular file are refused, never read (a table
    or system folder that is a link too): ``unread.unread_entries`` lists them.
    Well-named files come sorted by (extract date, delivery sequence), the order in which
    their versions must be applied.
    """
    folder = table_dir(landing, table)
    if not is_real_dir(folder) or not is_real_dir(folder.parent):
        return [], []
    rx = _name_regex(table)
    good: list[LandingFile] = []
    bad: list[BadlyNamedFile] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not is_regular_file(path):
            continue
        rel = _rel(landing, path)
        m = rx.fullmatch(path.name)
        reason: str | None = None
        if m is None:
            reason = (
                f"file name does not follow {table.name}_<YYYYMMDD>[_<n>].{table.format.extension}"
            )
        else:
            seq = int(m["n"]) if m["n"] else 1
            try:
                d = datetime.strptime(m["d"], "%Y%m%d").date()
            except ValueError:
                reason = f"invalid extract date {m['d']!r} in file name"
            else:
                if m["n"] is not None and seq < 2:
                    reason = f"invalid delivery number {m['n']!r} in file name (must be >= 2)"
                else:
                    good.append(LandingFile(path, rel, table.system, table.name, d, seq))
        if reason is not None:
            bad.append(BadlyNamedFile(path, rel, table.system, table.name, reason))
    good.sort(key=lambda f: (f.extract_date, f.delivery_seq))
    return good, bad


@dataclass(frozen=True)
class TableDeliveries:
    """One table's landing folder as a run sees it, listed once per run.

    Every refresh walks every delivery ever made (the manifest decides what is new), so
    the hashes started ahead, the great-expectations warm-up and the table's load all
    work from this one listing instead of listing the folder again each.
    """

    table: Table
    files: list[LandingFile]  # well-named, dated <= as_of, in (date, seq) order
    badly_named: list[BadlyNamedFile]

    @property
    def count(self) -> int:
        """The files a refresh looks at: well-named ones up to as_of, and badly named."""
        return len(self.files) + len(self.badly_named)


def scan_deliveries(
    landing: Path, tables: Iterable[Table], as_of: date | None = None
) -> list[TableDeliveries]:
    """Each table's deliveries (``scan_table_dir``), well-named ones only up to ``as_of``."""
    scans = []
    for table in tables:
        good, bad = scan_table_dir(Path(landing), table)
        if as_of is not None:
            good = [f for f in good if f.extract_date <= as_of]
        scans.append(TableDeliveries(table, good, bad))
    return scans


def discover_files(landing: Path, table: Table, as_of: date | None = None) -> list[LandingFile]:
    """Well-named deliveries of ``table``, sorted by (date, seq), only those dated <= as_of."""
    (scan,) = scan_deliveries(landing, [table], as_of)
    return scan.files


def count_deliveries(landing: Path, tables: Iterable[Table], as_of: date) -> int:
    """How many files a refresh will look at: well-named ones up to as_of, and badly named.

    The same files `ingest_table` walks, so the CLI can size its progress bar up front;
    ``as_of`` is required, as the refresh always cuts at one (``effective_as_of``).
    """
    return sum(scan.count for scan in scan_deliveries(landing, tables, as_of))


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, streamed (files may be large)."""
    h = hashlib.sha256()
    with open_regular(path) as fh:
        while chunk := fh.read(1 << 20):  # type: ignore[attr-defined]
            h.update(chunk)
    return h.hexdigest()


# files hashed at once (hashlib releases the GIL; hashing is the one cost that grows with
# the bytes before any read)
HASH_THREADS = min(4, os.cpu_count() or 1)


class FileHashes:
    """sha256 of landing files, computed ahead in background threads.

    Every delivered file is hashed on every refresh (the manifest knows a file by name
    and sha256), ~2 GB at large. hashlib releases the GIL, so hashing the next tables'
    files while DuckDB and great-expectations work on the current one hides most of it;
    a table that waits for its digests only waits for its own files. ``get`` of a path
    not submitted hashes it on the spot. Use as a context manager: leaving it stops
    what was not started yet.
    """

    def __init__(self, paths: Iterable[Path], threads: int) -> None:
        self._pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="sha256")
        self._futures: dict[Path, Future[str]] = {
            Path(p): self._pool.submit(sha256_file, Path(p)) for p in paths
        }

    def get(self, path: Path) -> str:
        future = self._futures.get(Path(path))
        return future.result() if future is not None else sha256_file(Path(path))

    def __enter__(self) -> FileHashes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop hashing what was not started; wait for what was."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    @classmethod
    def of_deliveries(cls, scans: Iterable[TableDeliveries]) -> FileHashes:
        """Hashes of every well-named delivery ``ingest_table`` will look at, table by table."""
        return cls([lf.path for scan in scans for lf in scan.files], HASH_THREADS)


# C1 control characters: assigned in Latin-1 but never in text; a Windows-1252 file (curly
# quotes, euro sign) or a mis-decoded UTF-8 one is where they come from
_C1_CONTROL = re.compile(rb"[\x80-\x9f]")


def latin1_problem(path: Path) -> str | None:
    """Why a file declared Latin-1 (the contract's erp encoding) is not Latin-1 text, or None.

    Every byte sequence decodes as Latin-1, so a UTF-8 file would load silently as mojibake
    (``MÃ³veis``). Two tests tell real Latin-1 text apart: the file must not be valid UTF-8
    with multi-byte characters (accented Latin-1 text almost never is), and it must not hold
    C1 control bytes 0x80-0x9F. Such a file is quarantined whole rather than re-decoded:
    guessing an encoding the contract does not allow would hide a broken export.
    """
    utf8 = codecs.getincrementaldecoder("utf-8")()
    maybe_utf8, multibyte, offset = True, None, 0
    c1: tuple[int, int] | None = None
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            if not chunk.isascii():
                if maybe_utf8:
                    try:
                        utf8.decode(chunk)
                        if multibyte is None:
                            multibyte = offset + next(i for i, b in enumerate(chunk) if b >= 0x80)
                    except UnicodeDecodeError:
                        maybe_utf8 = False
                if c1 is None and (m := _C1_CONTROL.search(chunk)):
                    c1 = (offset + m.start(), chunk[m.start()])
            offset += len(chunk)
    if maybe_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            maybe_utf8 = False
    if maybe_utf8 and multibyte is not None:
        return (
            "not Latin-1 text as the contract says: the file is UTF-8 with multi-byte "
            f"characters (first at byte {multibyte}); re-export it as ISO-8859-1"
        )
    if c1 is not None:
        return (
            f"not Latin-1 text as the contract says: control byte 0x{c1[1]:02x} at byte {c1[0]} "
            "(Windows-1252 or another encoding?); re-export it as ISO-8859-1"
        )
    return None


def _count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if is_regular_file(p))


def unknown_entries(landing: Path) -> list[str]:
    """Everything in the landing zone the contract does not know, one description each
    (:func:`landing_entries` without the flag)."""
    return [description for description, _ in landing_entries(landing)]


def landing_entries(landing: Path) -> list[tuple[str, bool]]:
    """Everything in the landing zone the contract does not know, one description each,
    flagged True when it is refused for what it is (a link, not a regular file) rather
    than for where it is.

    The ingestion reads ``<system>/<table>/`` folders of contract tables only; anything else
    (an ``erp/invoices/`` folder, a ``sap/`` system, a file outside a table folder, a
    sub-folder inside one) would otherwise be skipped without a trace. Dot-files and
    dot-folders are upload leftovers and stay ignored, as in :func:`scan_table_dir`.
    Badly named files inside a table folder are not listed: they are quarantined. Links
    are listed as links and never followed (not even to count what they point at).
    """
    landing = Path(landing)
    tables = {(t.system, t.name) for t in TABLES}
    systems = {t.system for t in TABLES}
    found: list[tuple[str, bool]] = []

    def entries(folder: Path) -> list[Path]:
        return [p for p in sorted(folder.iterdir()) if not p.name.startswith(".")]

    def folder_note(path: Path, what: str) -> str:
        return f"{_rel(landing, path)}/: {what} ({_count_files(path)} file(s) not read)"

    if not landing.is_dir():
        return found
    for top in entries(landing):
        if (why := refusal(top)) is not None:
            found.append((f"{_rel(landing, top)}: {why}", True))
        elif not top.is_dir():
            stray = f"{_rel(landing, top)}: file outside any <system>/<table>/ folder"
            found.append((stray, False))
        elif top.name not in systems:
            found.append((folder_note(top, "unknown system folder"), False))
        else:
            for second in entries(top):
                if (why := refusal(second)) is not None:
                    found.append((f"{_rel(landing, second)}: {why}", True))
                elif not second.is_dir():
                    found.append((f"{_rel(landing, second)}: file outside any table folder", False))
                elif (top.name, second.name) not in tables:
                    note = folder_note(second, f"unknown table folder of {top.name}")
                    found.append((note, False))
                else:
                    found += [
                        (folder_note(sub, "sub-folder inside a table folder"), False)
                        for sub in entries(second)
                        if is_real_dir(sub)
                    ]
    return found
