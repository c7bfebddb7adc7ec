"""`carteira publish-postgres` is never blocked by a text value DuckDB accepted (issue 22).

Ingestion now quarantines a row holding a NUL, but a raw layer loaded before it did may
hold some, and the raw layer is append-only: one `J\\0ulia` made every publish fail with
`invalid byte sequence for encoding "UTF8": 0x00`. Here such values (in text, in a text
array, in `_extras` as the escape \\u0000) and other odd text (quotes, backslashes, the
literal text `\\u0000`, `\\N`, line breaks, emoji, a long value) are put into the raw layer
of a copy of a published tiny warehouse; publish-postgres must publish, copy every odd value as it
is (NULs removed) and warn naming the relation, the column and the count.
"""

from __future__ import annotations

import json
import logging
import shutil
import uuid
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from carteira.cli.main import main
from carteira.serving.postgres.sync import connect_pg
from carteira.settings import Settings
from tests.data.tiny_three_days import AS_OF, tiny_warehouse_settings
from tests.helpers.postgres import drop_roles, fresh_database
from tests.helpers.shared import shared_root

ODD = 'quote " comma , semicolon ; backslash \\ \\N NULL {braces} [x] tab\tcr\rlf\n😀 ' + (
    "long " * 2000
)
LITERAL = "the text \\u0000 is six characters"


def _poison(raw_path: Path) -> tuple[int, str]:
    """Odd values into the raw layer, as an old ingestion would have let them in."""
    con = duckdb.connect(str(raw_path))
    try:
        # a member and a client delivered once (one raw row each), whatever the history
        (member,) = con.execute(
            "select min(member_id) from (select member_id from raw.studio__members "
            "group by 1 having count(*) = 1)"
        ).fetchone()
        con.execute(
            "update raw.studio__members set full_name = 'J' || chr(0) || 'ulia' "
            "where member_id = ?",
            [member],
        )
        (client,) = con.execute(
            "select min(client_id) from (select client_id from raw.crm__clients "
            "group by 1 having count(*) = 1)"
        ).fetchone()
        con.execute(
            "update raw.crm__clients set full_name = ? || chr(0), "
            "phones = ['11' || chr(0) || '9', 'a\"b\\c,{}'], "
            "_extras = json_object('utm' || chr(0), 'x' || chr(0) || 'y', 'lit', ?) "
            "where client_id = ?",
            [ODD, LITERAL, client],
        )
    finally:
        con.close()
    return member, client


def test_publish_postgres_copies_nul_and_odd_text_and_warns(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, caplog: pytest.LogCaptureFixture
) -> None:
    # a copy of the session's published tiny warehouse, whose raw layer this test changes
    shared = tiny_warehouse_settings(shared_root(tmp_path_factory))
    settings = Settings.for_warehouse(
        shared.landing_dir, tmp_path / shared.warehouse_path.name, as_of=AS_OF
    )
    shutil.copyfile(shared.warehouse_path, settings.warehouse_path)
    shutil.copyfile(shared.raw_path, settings.raw_path)
    member, client = _poison(settings.raw_path)
    prefix = f"h22odd_{uuid.uuid4().hex[:8]}"
    try:
        with fresh_database("h22odd") as dsn, caplog.at_level(logging.WARNING):
            result = CliRunner().invoke(
                main,
                [
                    "publish-postgres",
                    "--dsn",
                    dsn,
                    "--warehouse",
                    str(settings.warehouse_path),
                    "--as-of",
                    AS_OF.isoformat(),
                    "--role-prefix",
                    prefix,
                ],  # fmt: skip
            )
            assert result.exit_code == 0, result.output[-4000:]
            pg = connect_pg(dsn)
            try:
                with pg.cursor() as cur:
                    cur.execute(
                        "select full_name from raw.studio__members where member_id = %s", (member,)
                    )
                    assert cur.fetchall() == [("Julia",)]
                    cur.execute(
                        "select full_name, phones, _extras from raw.crm__clients "
                        "where client_id = %s",
                        (client,),
                    )
                    ((name, phones, extras),) = cur.fetchall()
            finally:
                pg.close()
    finally:
        drop_roles(prefix)
    assert name == ODD
    assert phones == ["119", 'a"b\\c,{}']
    assert (json.loads(extras) if isinstance(extras, str) else extras) == {
        "utm": "xy",
        "lit": LITERAL,
    }
    warnings = [
        r.getMessage() for r in caplog.records if r.name == "carteira.serving.postgres.sync"
    ]
    assert sorted(w.split(":")[0] for w in warnings) == [
        "raw.crm__clients._extras",
        "raw.crm__clients.full_name",
        "raw.crm__clients.phones",
        "raw.studio__members.full_name",
    ]
    assert all("1 value(s) held a NUL character" in w for w in warnings), warnings
