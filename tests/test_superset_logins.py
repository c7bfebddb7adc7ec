"""Personal Superset logins (bi/superset/superset_users.py), attacked as a colleague would.

One Superset for the module, on a copy of the generated warehouse whose staff directory is
edited to hold the hard cases: a member whose e-mail is `admin@...` (the old user name
rule made them `admin`, taking the administrator's place), members whose staff ids are
`admin` and `Admin` (the administrator's user name, Superset compares user names
case-insensitively), and two members sharing one e-mail (Superset's e-mails are unique).

The tests run in file order and build on each other: the first `up` and what it hands
out; logins tried with other people's passwords; a second `up` after a person changed
their password, the operator changed the administrator's, staff left the warehouse and an
installation of the shared staff password is simulated; a third after a member came back.

Needs what tests/test_superset.py needs (it skips, or fails under
CARTEIRA_REQUIRE_SUPERSET, the same way). Run with `-p no:xdist`: one Superset start.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import urllib.error
import urllib.request
from contextlib import closing
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.data.reports_activity.generated import generated_warehouse
from tests.helpers.shared import shared_root
from tests.test_superset import SUPERSET_PYTHON, Api, _carteira, _free_port, _missing

ADMIN_EMAIL_MEMBER = "s_0002"  # a department head, given the e-mail admin@carteira.example
SHARED_EMAIL = ("s_0011", "s_0012")  # the second is given the first's e-mail
CHANGES_PASSWORD = "s_0003"
LEGACY_ACCOUNT = "s_0005"  # still on the shared password when the second `up` runs
DEACTIVATED_BY_HAND = "s_0010"
LEAVES, DELETED = "s_0021", "s_0022"
LOGINS_LINE = re.compile(r"New logins .*: (\S+\.csv)$", re.MULTILINE)


def _edit_warehouse(warehouse: Path, *statements: str) -> None:
    """Change the published file as a refresh would: write a copy, rename it over."""
    work = warehouse.with_suffix(".editing")
    shutil.copyfile(warehouse, work)
    with duckdb.connect(str(work)) as con:
        for statement in statements:
            con.execute(statement)
    work.replace(warehouse)


def _up(state: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    result = _carteira(
        "superset", "up", "--warehouse", str(state["warehouse"]), "--port", str(state["port"])
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _handout(up: subprocess.CompletedProcess[str]) -> tuple[Path, dict[str, dict[str, str]]]:
    """The hand-out file `up` printed, as username -> row."""
    (path,) = LOGINS_LINE.findall(up.stdout)
    with open(path, newline="") as handle:
        return Path(path), {row["username"]: row for row in csv.DictReader(handle)}


def _accepts(url: str, username: str, password: str) -> bool:
    try:
        Api(url, username, password)
    except urllib.error.HTTPError as error:
        assert error.code == 401, error
        return False
    return True


def _change_own_password(url: str, username: str, old: str, new: str) -> None:
    """As the person would in Superset's "Reset my password": PUT /api/v1/me/ (a JSON API
    that, like the browser form, wants the session's CSRF token)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def call(method: str, path: str, body: Any = None, headers: dict | None = None) -> Any:
        request = urllib.request.Request(
            url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json"} | (headers or {}),
        )
        with opener.open(request, timeout=60) as response:
            return json.loads(response.read())

    body = {"username": username, "password": old, "provider": "db", "refresh": False}
    auth = {
        "Authorization": f"Bearer {call('POST', 'api/v1/security/login', body)['access_token']}"
    }
    csrf = call("GET", "api/v1/security/csrf_token/", headers=auth)["result"]
    call("PUT", "api/v1/me/", {"password": new}, auth | {"X-CSRFToken": csrf, "Referer": url})


def _users(state_dir: Path) -> dict[str, dict[str, Any]]:
    """Superset's users as stored: username -> active, e-mail, role names."""
    with closing(sqlite3.connect(state_dir / "superset.db")) as con:
        rows = con.execute(
            """
            select u.username, u.active, u.email, group_concat(r.name, '|')
            from ab_user as u
            left join ab_user_role as ur on ur.user_id = u.id
            left join ab_role as r on r.id = ur.role_id
            group by u.id
            """
        ).fetchall()
    return {
        name: {"active": bool(active), "email": email, "roles": set((roles or "").split("|"))}
        for name, active, email, roles in rows
    }


def _set_password_in_db(state_dir: Path, username: str, password: str) -> None:
    hashed = subprocess.run(
        [
            str(SUPERSET_PYTHON),
            "-c",
            "import sys; from werkzeug.security import generate_password_hash as h; "
            "print(h(sys.argv[1]))",
            password,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with closing(sqlite3.connect(state_dir / "superset.db")) as con, con:
        con.execute("update ab_user set password = ? where username = ?", [hashed, username])


def _sql(state_dir: Path, statement: str, *params: Any) -> None:
    with closing(sqlite3.connect(state_dir / "superset.db")) as con, con:
        con.execute(statement, params)


def _active_staff(warehouse: Path) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(
            "select staff_id from marts.dim_staff where active and not is_deleted"
        ).fetchall()
    return {staff_id for (staff_id,) in rows}


@pytest.fixture(scope="module")
def logins(tmp_path_factory: pytest.TempPathFactory) -> Any:
    missing = _missing()
    if missing:
        message = f"the Superset tests need {', '.join(missing)}"
        if os.environ.get("CARTEIRA_REQUIRE_SUPERSET"):
            pytest.fail(message)
        pytest.skip(message)
    source = generated_warehouse(shared_root(tmp_path_factory))
    warehouse = tmp_path_factory.mktemp("logins") / "warehouse.duckdb"
    shutil.copyfile(source, warehouse)
    _edit_warehouse(
        warehouse,
        f"update marts.dim_staff set email = 'admin@carteira.example' "
        f"where staff_id = '{ADMIN_EMAIL_MEMBER}'",
        f"update marts.dim_staff set email = (select email from marts.dim_staff "
        f"where staff_id = '{SHARED_EMAIL[0]}') where staff_id = '{SHARED_EMAIL[1]}'",
        "insert into marts.dim_staff (staff_id, full_name, email, can_view_all, active, "
        "is_deleted, is_department_head) values "
        "('admin', 'Adm Inistrado', 'adm@carteira.example', false, true, false, false), "
        "('Admin', 'Outra Admin', 'admin@localhost', false, true, false, false)",
        "insert into marts.staff_visibility (viewer_staff_id, visible_staff_id) "
        "values ('admin', 'admin'), ('Admin', 'Admin')",
    )
    state = {"warehouse": warehouse, "port": _free_port()}
    state["state_dir"] = warehouse.with_name(warehouse.stem + ".superset")
    state["url"] = f"http://127.0.0.1:{state['port']}/"
    try:
        state["up"] = _up(state)
        state["credentials"] = json.loads((state["state_dir"] / "credentials.json").read_text())
        state["handout_path"], state["handout"] = _handout(state["up"])
        yield state
    finally:
        _carteira("superset", "stop", "--warehouse", str(warehouse))


def _by_staff(handout: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["staff_id"]: row for row in handout.values() if row["staff_id"]}


def test_each_person_gets_an_account_of_their_own(logins: dict[str, Any]) -> None:
    handout = logins["handout"]
    staff = _by_staff(handout)
    assert set(staff) == _active_staff(logins["warehouse"])
    assert len(handout) == len(staff)  # the administrator is not handed out again
    names = [name.lower() for name in handout]
    assert len(set(names)) == len(names) and "admin" not in names
    for staff_id, row in staff.items():
        if staff_id.lower() != "admin":
            assert row["username"] == staff_id
    assert staff["admin"]["username"].lower().startswith("staff-admin")
    assert staff["Admin"]["username"].lower().startswith("staff-admin")
    assert staff[ADMIN_EMAIL_MEMBER]["username"] == ADMIN_EMAIL_MEMBER

    passwords = [row["password"] for row in handout.values()]
    assert len(set(passwords)) == len(passwords)
    assert all(len(password) >= 16 for password in passwords)
    for username, row in handout.items():
        assert _accepts(logins["url"], username, row["password"]), username

    users = _users(logins["state_dir"])
    assert users["admin"]["roles"] == {"Admin"}
    assert _accepts(logins["url"], "admin", logins["credentials"]["admin_password"])
    for staff_id, row in staff.items():
        roles = users[row["username"]]["roles"]
        assert roles == {"Carteira viewer", f"Carteira staff {staff_id}"}, staff_id
    # e-mails are unique in Superset: the second holder of one gets a placeholder
    first, second = (users[staff[s]["username"]]["email"] for s in SHARED_EMAIL)
    assert first != second and second.endswith(".invalid")
    assert users[staff["Admin"]["username"]]["email"] != users["admin"]["email"]


def test_passwords_reach_only_the_operator(logins: dict[str, Any]) -> None:
    state_dir, path = logins["state_dir"], logins["handout_path"]
    assert path.parent == state_dir and str(path) in logins["up"].stdout
    for secret_file in (path, state_dir / "credentials.json"):
        info = secret_file.stat()
        assert stat.S_IMODE(info.st_mode) == 0o600, secret_file
        assert info.st_uid == os.getuid()
    assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700  # superset.db: password hashes
    assert "staff_password" not in logins["credentials"]  # no shared password any more
    said = logins["up"].stdout + logins["up"].stderr + (state_dir / "superset.log").read_text()
    secrets = [row["password"] for row in logins["handout"].values()]
    for secret in [*secrets, logins["credentials"]["admin_password"]]:
        assert secret not in said
    assert f"Dashboards read the DuckDB file {logins['warehouse'].resolve()}" in said


def test_nobody_logs_in_with_another_persons_password(logins: dict[str, Any]) -> None:
    """Every account, the administrator's included, refuses a rep's and a head's password."""
    handout, url = logins["handout"], logins["url"]
    staff = _by_staff(handout)
    rep, head = staff["s_0025"], staff[ADMIN_EMAIL_MEMBER]
    for attacker in (rep, head):
        for username in _users(logins["state_dir"]):
            if username != attacker["username"]:
                assert not _accepts(url, username, attacker["password"]), (attacker, username)
    assert not _accepts(url, "admin", head["password"])
    assert not _accepts(url, "admin@carteira.example", rep["password"])  # login by e-mail


def test_a_second_up_keeps_passwords_and_the_administrator(logins: dict[str, Any]) -> None:
    """A person changes their password (Superset's API), the operator changes the
    administrator's and gives it one more role, deactivates one account by hand, staff
    leave in the warehouse, and one account is still on the old shared password."""
    url, state_dir = logins["url"], logins["state_dir"]
    staff = _by_staff(logins["handout"])
    person = staff[CHANGES_PASSWORD]
    _change_own_password(url, person["username"], person["password"], "my own choice, 2026")
    assert _accepts(url, person["username"], "my own choice, 2026")
    _set_password_in_db(state_dir, "admin", "the operator's choice")
    _sql(
        state_dir,
        "insert into ab_user_role (user_id, role_id) select u.id, r.id from ab_user as u, "
        "ab_role as r where u.username = 'admin' and r.name = 'Alpha'",
    )
    _sql(state_dir, "update ab_user set active = 0 where username = ?", DEACTIVATED_BY_HAND)
    shared = "the old shared password"
    # named as before personal logins: the part of the e-mail before "@"
    _sql(
        state_dir,
        "update ab_user set username = 'otavio.guimaraes' where username = ?",
        LEGACY_ACCOUNT,
    )
    _set_password_in_db(state_dir, "otavio.guimaraes", shared)
    credentials = logins["credentials"] | {"staff_password": shared}
    (state_dir / "credentials.json").write_text(json.dumps(credentials))
    _edit_warehouse(
        logins["warehouse"],
        f"update marts.dim_staff set active = false where staff_id = '{LEAVES}'",
        f"update marts.dim_staff set is_deleted = true where staff_id = '{DELETED}'",
    )

    again = _up(logins)
    assert "(0 new, 2 deactivated" in again.stdout and "1 left inactive" in again.stdout
    _, handout = _handout(again)  # only the account that was on the shared password
    assert [row["staff_id"] for row in handout.values()] == [LEGACY_ACCOUNT]
    new_secret = handout[LEGACY_ACCOUNT]["password"]  # and its user name is the staff id
    assert new_secret not in again.stdout + again.stderr

    assert _accepts(url, person["username"], "my own choice, 2026")
    assert not _accepts(url, person["username"], person["password"])
    assert _accepts(url, "admin", "the operator's choice")
    assert not _accepts(url, "admin", logins["credentials"]["admin_password"])
    users = _users(state_dir)
    assert users["admin"]["roles"] == {"Admin", "Alpha"}
    for staff_id in (LEAVES, DELETED, DEACTIVATED_BY_HAND):
        assert not _accepts(url, staff[staff_id]["username"], staff[staff_id]["password"])
        assert not users[staff[staff_id]["username"]]["active"], staff_id
    for username in users:
        assert not _accepts(url, username, shared), username
    assert _accepts(url, LEGACY_ACCOUNT, new_secret)
    assert "otavio.guimaraes" not in users
    assert "1 earlier hand-out file" in again.stdout  # the first one, not yet deleted
    assert "staff_password" not in json.loads((state_dir / "credentials.json").read_text())
    untouched = staff["s_0025"]
    assert _accepts(url, untouched["username"], untouched["password"])


def test_only_staff_who_return_are_reactivated(logins: dict[str, Any]) -> None:
    """A member active again in the warehouse gets their account back with a new password;
    the account deactivated by hand stays inactive. Also repaired: an administrator left
    by the shared-password era with a staff member's role and the shared password."""
    url, state_dir = logins["url"], logins["state_dir"]
    staff = _by_staff(logins["handout"])
    _edit_warehouse(
        logins["warehouse"],
        f"update marts.dim_staff set active = true where staff_id = '{LEAVES}'",
    )
    shared = "the old shared password"
    _set_password_in_db(state_dir, "admin", shared)
    _sql(
        state_dir,
        "insert into ab_user_role (user_id, role_id) select u.id, r.id from ab_user as u, "
        "ab_role as r where u.username = 'admin' and r.name = ?",
        f"Carteira staff {ADMIN_EMAIL_MEMBER}",
    )
    credentials = json.loads((state_dir / "credentials.json").read_text())
    (state_dir / "credentials.json").write_text(
        json.dumps(credentials | {"staff_password": shared})
    )

    third = _up(logins)
    assert "(0 new" in third.stdout and "1 left inactive" in third.stdout
    _, handout = _handout(third)
    returned = handout[staff[LEAVES]["username"]]
    assert returned["staff_id"] == LEAVES
    assert _accepts(url, returned["username"], returned["password"])
    assert not _accepts(url, returned["username"], staff[LEAVES]["password"])
    for staff_id in (DELETED, DEACTIVATED_BY_HAND):
        assert not _accepts(url, staff[staff_id]["username"], staff[staff_id]["password"])
    users = _users(state_dir)
    assert users["admin"]["roles"] == {"Admin", "Alpha"}
    assert not _accepts(url, "admin", shared)
    assert _accepts(url, "admin", handout["admin"]["password"])
    head = staff[ADMIN_EMAIL_MEMBER]
    assert _accepts(url, head["username"], head["password"])
