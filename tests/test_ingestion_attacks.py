"""Ingestion attacked as an operator and an attacker would (issue 22).

No input lost in silence: a NUL in a field, a record longer than DuckDB's CSV buffer, a
record without keys, a duplicated or case-colliding JSON key each end as a quarantine row
naming the file (and the row and column when there is one), never as a file ``loaded``
with fewer rows or a table that fails on every run. Nothing read from outside the landing
zone: links (to files or folders) and FIFOs are refused unread, never copied aside, and
listed with a reason beside deliveries dated after as_of.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from carteira.ingestion import reading, sha256_file  # noqa: E402
from carteira.ingestion.bookkeeping import copy_to_quarantine  # noqa: E402
from carteira.ingestion.files import NotARegularFile, unknown_entries  # noqa: E402
from carteira.ingestion.unread import unread_entries  # noqa: E402
from tests.helpers.landing import (  # noqa: E402
    MEMBERS_HEADER,
    ingest,
    manifest,
    member,
    q,
    quarantine,
    write,
)

DAY = date(2026, 11, 20)


# ------------------------------------------------------------------------- NUL in a field
def test_a_nul_in_a_csv_field_is_a_quarantine_row_not_a_raw_row(tmp_path: Path) -> None:
    """`J\\0ulia` used to load, then block every publish-postgres (PostgreSQL text cannot
    hold a NUL) of an append-only raw layer."""
    land = tmp_path / "landing"
    rows = [member(1, b"Maria"), member(2, b"J\x00ulia"), member(3, b"Ana")]
    write(land, "studio/members/members_20261120.csv", b"\n".join([MEMBERS_HEADER, *rows]) + b"\n")
    res = ingest(tmp_path, land, "studio__members")
    assert not res.errors
    ((file, row, column, reason),) = quarantine(tmp_path)
    assert (file, row, column) == ("studio/members/members_20261120.csv", 2, "full_name")
    assert "NUL" in reason and "PostgreSQL" in reason
    assert q(tmp_path, "SELECT member_id, full_name FROM raw.studio__members ORDER BY 1") == [
        (1, "Maria"),
        (3, "Ana"),
    ]
    assert manifest(tmp_path) == [
        ("studio/members/members_20261120.csv", "partially_quarantined", 3, 2, 1)
    ]


def test_a_nul_in_jsonl_text_an_array_or_an_unknown_column_is_quarantined(
    tmp_path: Path,
) -> None:
    land = tmp_path / "landing"
    base = '"created_at":"2026-11-01T13:05:00Z","updated_at":"2026-11-20T10:00:00Z"'
    lines = [
        '{"client_id":"c1","full_name":"Ana",' + base + "}",
        '{"client_id":"c2","full_name":"J\\u0000ulia",' + base + "}",
        '{"client_id":"c3","full_name":"Bia","phones":["11\\u00009"],' + base + "}",
        '{"client_id":"c4","full_name":"Caio","utm":"x\\u0000",' + base + "}",
        '{"client_id":"c5","full_name":"Dan","note":"a backslash-u0000 \\\\u0000 is text",'
        + base
        + "}",
    ]
    write(land, "crm/clients/clients_20261120.jsonl", ("\n".join(lines) + "\n").encode())
    res = ingest(tmp_path, land, "crm__clients")
    assert not res.errors
    assert [(r, c) for _, r, c, _ in quarantine(tmp_path)] == [
        (2, "full_name"),
        (3, "phones"),
        (4, "utm"),
    ]
    assert q(tmp_path, "SELECT client_id FROM raw.crm__clients ORDER BY 1") == [("c1",), ("c5",)]
    (note,) = q(tmp_path, "SELECT _extras->>'note' FROM raw.crm__clients WHERE client_id = 'c5'")
    assert note == ("a backslash-u0000 \\u0000 is text",)


def test_a_nul_in_a_column_name_quarantines_the_file(tmp_path: Path) -> None:
    land = tmp_path / "landing"
    header = MEMBERS_HEADER + b",no\x00te"
    write(
        land,
        "studio/members/members_20261120.csv",
        header + b"\n" + member(1, b"Maria") + b",x\n",
    )
    res = ingest(tmp_path, land, "studio__members")
    assert not res.errors
    ((_, row, _, reason),) = quarantine(tmp_path)
    assert row is None and "NUL" in reason
    assert q(tmp_path, "SELECT count(*) FROM raw.studio__members") == [(0,)]


# ------------------------------------------------------------------------- silent loss
def _small_csv_buffer(monkeypatch: pytest.MonkeyPatch) -> int:
    """DuckDB's CSV buffer made small, so that its silent drop of a record longer than the
    buffer (32 MiB by default: the 50 MB record of the issue) is reached by a small file.
    Returns the size of a record that exceeds it."""
    monkeypatch.setattr(reading, "CSV_MAX_LINE_BYTES", 16 * 1024)
    monkeypatch.setattr(reading, "CSV_BUFFER_BYTES", 64 * 1024)
    return 256 * 1024


@pytest.mark.parametrize("path", ["batch", "per-file"])
def test_a_record_longer_than_the_reader_buffer_is_never_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """A valid last record too long for the buffer was dropped: manifest `loaded`, one
    row short. Now the file is quarantined whole, saying what was lost."""
    huge = _small_csv_buffer(monkeypatch)
    land = tmp_path / "landing"
    rows = [member(1, b"Maria"), member(2, b"Ana"), member(3, b"B" * huge)]
    write(land, "studio/members/members_20261120.csv", b"\n".join([MEMBERS_HEADER, *rows]) + b"\n")
    if path == "per-file":  # a second file that does not parse sends the batch file by file
        write(land, "studio/members/members_20261121.csv", b'member_id,"full_name\n1,x\n')
    res = ingest(tmp_path, land, "studio__members")
    assert not res.errors
    rows_file = [m for m in manifest(tmp_path) if m[0].endswith("20261120.csv")]
    assert rows_file == [("studio/members/members_20261120.csv", "quarantined", 3, 0, 3)]
    reasons = [r for f, _, _, r in quarantine(tmp_path) if f.endswith("20261120.csv")]
    assert len(reasons) == 1 and "holds 3 data record(s) but the reader returned 2" in reasons[0]
    assert q(tmp_path, "SELECT count(*) FROM raw.studio__members") == [(0,)]
    assert (tmp_path / "wh" / "quarantine" / res.load_id / "studio/members").is_dir()


def test_a_header_then_one_huge_garbage_line_is_quarantined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = _small_csv_buffer(monkeypatch)
    land = tmp_path / "landing"
    write(land, "studio/members/members_20261120.csv", MEMBERS_HEADER + b"\n" + b"z" * huge)
    res = ingest(tmp_path, land, "studio__members")
    assert not res.errors
    assert manifest(tmp_path) == [("studio/members/members_20261120.csv", "quarantined", 1, 0, 1)]
    ((_, _, _, reason),) = quarantine(tmp_path)
    assert "holds 1 data record(s) but the reader returned 0" in reason


def test_the_real_50_mb_last_record_of_the_issue_is_quarantined(tmp_path: Path) -> None:
    """The attack as reported, with DuckDB's real buffer (no setting changed)."""
    land = tmp_path / "landing"
    rows = [member(1, b"Maria"), member(2, b"N" * (50 << 20))]
    write(land, "studio/members/members_20261120.csv", b"\n".join([MEMBERS_HEADER, *rows]) + b"\n")
    res = ingest(tmp_path, land, "studio__members", validate=False)
    assert not res.errors
    assert manifest(tmp_path) == [("studio/members/members_20261120.csv", "quarantined", 2, 0, 2)]


def _long_record_then_another(huge: int) -> bytes:
    """A record longer than the reader's buffer with a record after it: DuckDB's parallel
    CSV reader then raises NotImplementedException ("run with parallel = false") instead
    of the record's own error, which failed the whole table on every run."""
    rows = [member(1, b"Maria"), member(2, b"N" * huge), member(3, b"Ana")]
    return b"\n".join([MEMBERS_HEADER, *rows]) + b"\n"


def test_a_long_record_before_another_is_quarantined_not_a_table_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read again single-threaded, the file fails with its own cause, naming the line."""
    huge = _small_csv_buffer(monkeypatch)
    land = tmp_path / "landing"
    write(land, "studio/members/members_20261119.csv", MEMBERS_HEADER + b"\n" + member(7, b"Bia"))
    write(land, "studio/members/members_20261120.csv", _long_record_then_another(huge))
    write(land, "studio/members/members_20261121.csv", MEMBERS_HEADER + b"\n" + member(8, b"Cid"))
    res = ingest(tmp_path, land, "studio__members")
    assert not res.errors, res.errors
    ((file, row, _, reason),) = quarantine(tmp_path)
    assert (file, row) == ("studio/members/members_20261120.csv", None)
    # the file's own error, on the long record's line (header = line 1), not the refusal
    assert "CSV Error on Line: 3" in reason and "parallel" not in reason, reason
    assert [m[:2] for m in manifest(tmp_path)] == [
        ("studio/members/members_20261119.csv", "loaded"),
        ("studio/members/members_20261120.csv", "quarantined"),
        ("studio/members/members_20261121.csv", "loaded"),
    ]
    assert q(tmp_path, "SELECT member_id FROM raw.studio__members ORDER BY 1") == [(7,), (8,)]
    assert (
        tmp_path / "wh/quarantine" / res.load_id / "studio/members/members_20261120.csv"
    ).is_file()


def _parallel_reader_refuses(monkeypatch: pytest.MonkeyPatch, *, single_threaded_too: bool) -> None:
    """Every parallel CSV read raises DuckDB's refusal (and the single-threaded one too)."""
    from carteira.ingestion import staging

    create = staging._create_stage

    def refusing(con, stage, numbered, *args):  # noqa: ANN001, ANN002, ANN202
        if "read_csv(" in numbered and (single_threaded_too or "parallel=false" not in numbered):
            raise duckdb.NotImplementedException(
                "Not implemented Error: The Parallel CSV Reader currently does not support a "
                "full read on this file.\nTo correctly parse this file, please run with the "
                "single threaded error (i.e., parallel = false)"
            )
        return create(con, stage, numbered, *args)

    monkeypatch.setattr(staging, "_create_stage", refusing)


def test_a_file_the_parallel_reader_refuses_is_loaded_by_the_single_threaded_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _parallel_reader_refuses(monkeypatch, single_threaded_too=False)
    land = tmp_path / "landing"
    rows = [member(1, b"Maria"), member(2, b"Ana")]
    write(land, "studio/members/members_20261120.csv", b"\n".join([MEMBERS_HEADER, *rows]) + b"\n")
    res = ingest(tmp_path, land, "studio__members")
    assert not res.errors, res.errors
    assert manifest(tmp_path) == [("studio/members/members_20261120.csv", "loaded", 2, 2, 0)]
    assert q(tmp_path, "SELECT member_id, _row_number FROM raw.studio__members ORDER BY 1") == [
        (1, 1),
        (2, 2),
    ]


def test_a_file_both_readers_refuse_is_quarantined_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _parallel_reader_refuses(monkeypatch, single_threaded_too=True)
    land = tmp_path / "landing"
    write(land, "studio/members/members_20261120.csv", MEMBERS_HEADER + b"\n" + member(1, b"Bia"))
    res = ingest(tmp_path, land, "studio__members")
    assert not res.errors, res.errors
    ((file, row, _, reason),) = quarantine(tmp_path)
    assert (file, row) == ("studio/members/members_20261120.csv", None)
    assert "refused the file, in parallel and single-threaded" in reason


def test_jsonl_records_without_any_key_are_not_an_empty_file(tmp_path: Path) -> None:
    """`{}` lines gave no keys, so the file was read as an empty delta: `loaded`, 0 rows."""
    land = tmp_path / "landing"
    write(land, "crm/campaigns/campaigns_20261120.jsonl", b"{}\n{}\n")
    res = ingest(tmp_path, land, "crm__campaigns")
    assert not res.errors
    assert manifest(tmp_path) == [
        ("crm/campaigns/campaigns_20261120.jsonl", "quarantined", 2, 0, 2)
    ]
    ((_, _, _, reason),) = quarantine(tmp_path)
    assert "2 record(s) hold no key" in reason


# ------------------------------------------------------------------------- duplicate keys
CAMPAIGN = '"campaign_id":"k{i}","starts_on":"2026-11-01","updated_at":"2026-11-20T10:00:00Z"'


def test_a_key_repeated_in_one_record_names_the_row_and_the_key(tmp_path: Path) -> None:
    land = tmp_path / "landing"
    lines = [
        "{" + CAMPAIGN.format(i=1) + ',"name":"a"}',
        "{" + CAMPAIGN.format(i=2) + ',"name":"a","name":"b"}',
    ]
    write(land, "crm/campaigns/campaigns_20261120.jsonl", ("\n".join(lines) + "\n").encode())
    res = ingest(tmp_path, land, "crm__campaigns")
    assert not res.errors
    ((file, row, _, reason),) = quarantine(tmp_path)
    assert file == "crm/campaigns/campaigns_20261120.jsonl" and row is None
    assert "row 2 repeats key(s) 'name' in one record" in reason


def test_keys_differing_only_in_case_are_quarantined_not_a_table_failure(
    tmp_path: Path,
) -> None:
    """`name` and `Name` failed the whole table with DuckDB's binder text about
    struct_pack, on every run."""
    land = tmp_path / "landing"
    lines = [
        "{" + CAMPAIGN.format(i=1) + ',"name":"a"}',
        "{" + CAMPAIGN.format(i=2) + ',"Name":"b"}',
    ]
    write(land, "crm/campaigns/campaigns_20261120.jsonl", ("\n".join(lines) + "\n").encode())
    write(
        land,
        "crm/campaigns/campaigns_20261121.jsonl",
        ("{" + CAMPAIGN.format(i=3) + ',"name":"c"}\n').encode(),
    )
    res = ingest(tmp_path, land, "crm__campaigns")
    assert not res.errors, res.errors
    ((file, _, _, reason),) = quarantine(tmp_path)
    assert file.endswith("20261120.jsonl")
    assert '"name", "Name"' in reason and "struct_pack" not in reason
    assert q(tmp_path, "SELECT campaign_id FROM raw.crm__campaigns") == [("k3",)]


# ------------------------------------------------------------------------- links, FIFOs
SECRET = b"TOP-SECRET-7f3a9c1e outside the landing zone\n"


@pytest.fixture()
def linked(tmp_path: Path) -> tuple[Path, Path]:
    """A landing zone with links to a secret file and to a folder outside it, and a FIFO."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_bytes(SECRET)
    (outside / "members").mkdir()
    (outside / "members" / "members_20261120.csv").write_bytes(
        MEMBERS_HEADER + b"\n" + member(1, SECRET.strip()) + b"\n"
    )
    land = tmp_path / "landing"
    write(land, "crm/campaigns/campaigns_20261004.jsonl", b"")
    (land / "crm/campaigns/campaigns_20261005.jsonl").symlink_to(secret)
    (land / "crm/campaigns/campaigns.txt").symlink_to(secret)  # badly named too
    (land / "studio").mkdir()
    (land / "studio/members").symlink_to(outside / "members", target_is_directory=True)
    (land / "pbx").symlink_to(outside, target_is_directory=True)
    os.mkfifo(land / "crm/campaigns/campaigns_20261006.jsonl")
    return land, secret


def test_links_are_never_followed_and_nothing_outside_is_read_or_copied(
    tmp_path: Path, linked: tuple[Path, Path]
) -> None:
    land, _ = linked
    res = ingest(tmp_path, land, "crm__campaigns", "studio__members", "pbx__calls")
    assert not res.errors
    assert [m[0] for m in manifest(tmp_path)] == ["crm/campaigns/campaigns_20261004.jsonl"]
    assert quarantine(tmp_path) == []
    every_text = q(
        tmp_path,
        "SELECT string_agg(t::VARCHAR, '|') FROM (SELECT * FROM raw._quarantine) t "
        "UNION ALL SELECT string_agg(t::VARCHAR, '|') FROM raw.studio__members t "
        "UNION ALL SELECT string_agg(t::VARCHAR, '|') FROM raw.crm__campaigns t "
        "UNION ALL SELECT string_agg(t::VARCHAR, '|') FROM raw._manifest t",
    )
    assert all(b"TOP-SECRET" not in (v or "").encode() for (v,) in every_text)
    for path in (tmp_path / "wh").rglob("*"):
        if path.is_file():
            assert b"TOP-SECRET" not in path.read_bytes(), path


def test_links_fifos_and_later_deliveries_are_listed_with_a_reason(
    linked: tuple[Path, Path],
) -> None:
    land, _ = linked
    write(land, "studio/bookings/bookings_20261120.csv", b"booking_id\n")
    write(land, "studio/bookings/bookings_20991231.csv", b"booking_id\n")
    lines = unread_entries(land, DAY)
    assert lines == [
        "not read: pbx: a symbolic link, refused: links are never followed (deliver the "
        "file itself)",
        "not read: studio/members: a symbolic link, refused: links are never followed "
        "(deliver the file itself)",
        "not read: crm/campaigns/campaigns.txt: a symbolic link, refused: links are never "
        "followed (deliver the file itself)",
        "not read: crm/campaigns/campaigns_20261005.jsonl: a symbolic link, refused: links "
        "are never followed (deliver the file itself)",
        "not read: crm/campaigns/campaigns_20261006.jsonl: not a regular file (a FIFO), "
        "refused: only regular files are read",
        "not read: studio/bookings/: 1 delivery(ies) dated after as_of 2026-11-20, not read "
        "until a refresh for their date: bookings_20991231.csv",
    ]
    assert "pbx: a symbolic link" in unknown_entries(land)[0]


def test_reading_a_link_or_a_fifo_is_refused_even_after_the_scan(
    tmp_path: Path, linked: tuple[Path, Path]
) -> None:
    """A file swapped for a link after the folder was listed is still not read."""
    land, _ = linked
    link = land / "crm/campaigns/campaigns_20261005.jsonl"
    with pytest.raises(NotARegularFile):
        sha256_file(link)
    with pytest.raises(NotARegularFile):
        copy_to_quarantine(link, "x.jsonl", tmp_path / "q", "load")
    with pytest.raises(NotARegularFile):  # and does not wait for a writer
        sha256_file(land / "crm/campaigns/campaigns_20261006.jsonl")
    assert not (tmp_path / "q" / "load" / "x.jsonl").exists()


def test_the_refresh_summary_lists_what_it_did_not_read(
    tmp_path: Path, linked: tuple[Path, Path]
) -> None:
    """Through the refresh the CLI and the schedule run, without --as-of (today): a
    delivery dated 2099 is neither loaded into raw nor forgotten, a FIFO does not block,
    and the warn-severity check lists every entry with its reason."""
    from carteira.exit_codes import ExitCode
    from carteira.settings import Settings
    from orchestration.run import run_refresh

    land, _ = linked
    write(
        land,
        "studio/bookings/bookings_20991231.csv",
        b"booking_id,session_id,member_id,booked_at,updated_at\n"
        b"1,1,1,2099-12-30 10:00,2099-12-30 10:00\n",
    )
    settings = Settings.for_warehouse(land, tmp_path / "wh2" / "warehouse.duckdb")
    outcome = run_refresh(settings, raw_only=True)
    lines = "\n".join(outcome.summary_lines())
    today = settings.effective_as_of().isoformat()
    assert "warning landing_zone: only_contract_entries" in lines
    assert (
        f"not read: studio/bookings/: 1 delivery(ies) dated after as_of {today}, not read "
        "until a refresh for their date: bookings_20991231.csv"
    ) in lines
    assert "not read: crm/campaigns/campaigns_20261006.jsonl: not a regular file (a FIFO)" in lines
    assert "not read: crm/campaigns/campaigns_20261005.jsonl: a symbolic link" in lines
    assert outcome.exit_code == ExitCode.PUBLISHED, lines  # listed, a warning only
    con = duckdb.connect(str(settings.raw_path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw.studio__bookings").fetchone() == (0,)
        assert con.execute("SELECT file_name FROM raw._manifest").fetchall() == [
            ("crm/campaigns/campaigns_20261004.jsonl",)
        ]
    finally:
        con.close()
