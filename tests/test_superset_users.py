"""The parts of Superset's logins that need no Superset: user names, secret files, the
backend `up` names. Fast; the logins themselves are attacked in test_superset_logins.py."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import stat
import sys
from pathlib import Path

import pytest

from carteira.serving import superset as superset_service
from carteira.settings import REPO_ROOT


def _users_module():  # noqa: ANN202 - the module of the Superset environment, loaded by path
    path = REPO_ROOT / "bi" / "superset" / "superset_users.py"
    spec = importlib.util.spec_from_file_location("superset_users", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


users = _users_module()


@pytest.mark.parametrize(
    ("staff_id", "taken", "reserved", "expected"),
    [
        ("s_0001", {"admin"}, {"s_0001"}, "s_0001"),
        ("admin", {"admin"}, {"admin"}, "staff-admin"),
        ("ADMIN", {"admin"}, {"admin"}, "staff-ADMIN"),  # Superset ignores case
        ("admin", {"admin"}, {"admin"}, "staff-admin"),
        # the fallback is another member's staff id: never taken from them
        ("admin", {"admin"}, {"admin", "staff-admin"}, "staff-admin-2"),
        ("Admin", {"admin", "staff-admin"}, {"admin"}, "staff-Admin-2"),
        ("jo", {"admin", "jo"}, {"jo"}, "staff-jo"),  # a hand-made user named jo
    ],
)
def test_a_user_name_never_takes_another_users(
    staff_id: str, taken: set[str], reserved: set[str], expected: str
) -> None:
    assert users._free_name(staff_id, taken, reserved) == expected


def test_the_admin_name_is_never_a_staff_name_even_before_the_admin_exists() -> None:
    assert users._free_name("Admin", set(), {"admin"}) == "staff-Admin"


def test_passwords_are_random_and_long() -> None:
    passwords = {users.new_password() for _ in range(200)}
    assert len(passwords) == 200
    assert all(len(p) == users.PASSWORD_LENGTH >= 16 for p in passwords)
    assert not set("".join(passwords)) & set("0O1lI")


def test_the_handout_is_only_the_operators(tmp_path: Path) -> None:
    path = tmp_path / "new-logins.csv"
    row = dict.fromkeys(users.HANDOUT_COLUMNS, "x") | {"password": "secret"}
    previous = os.umask(0)  # a careless umask must not widen it
    try:
        users.write_handout(path, [row])
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with path.open(newline="") as handle:
        assert list(csv.DictReader(handle)) == [row]
    with pytest.raises(FileExistsError):  # never overwrites passwords not yet handed out
        users.write_handout(path, [row])
    users.write_handout(tmp_path / "none.csv", [])
    assert not (tmp_path / "none.csv").exists()


def test_credentials_are_private_and_hold_no_shared_password(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    service = superset_service.Service(warehouse)
    service.state_dir.mkdir()
    previous = os.umask(0)
    try:
        created = superset_service._credentials(service)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(service.credentials_file.stat().st_mode) == 0o600
    assert set(created) == {"secret_key", "admin_password"}
    # a file of an older version: readable by all, with the shared staff password
    service.credentials_file.write_text(json.dumps(created | {"staff_password": "shared"}))
    service.credentials_file.chmod(0o644)
    old = superset_service._credentials(service)
    assert stat.S_IMODE(service.credentials_file.stat().st_mode) == 0o600
    superset_service._forget_shared_password(service, old)
    assert json.loads(service.credentials_file.read_text()) == created


def test_up_names_the_database_it_serves(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    duckdb_side = superset_service.served_backend(superset_service.Service(warehouse))
    assert duckdb_side == f"the DuckDB file {warehouse.resolve()} (read-only)"
    dsn = "host=db.example port=5433 dbname=serving user=superset_service password=hunter2"
    postgres = superset_service.served_backend(superset_service.Service(warehouse, 1, dsn))
    assert postgres == (
        "PostgreSQL database serving on db.example:5433 as superset_service (--postgres)"
    )
    assert "hunter2" not in postgres


def test_the_locales_agree_with_the_bundles_superset_writes() -> None:
    """`carteira.setting_values.LOCALES` (what CARTEIRA_LOCALE accepts) is the list
    bi/superset/localize.py writes a bundle for: it runs in Superset's own environment and
    cannot import this package, so the two are compared here."""
    import ast

    from carteira.setting_values import LOCALES
    from carteira.settings import REPO_ROOT

    module = ast.parse((REPO_ROOT / "bi" / "superset" / "localize.py").read_text())
    (written,) = [
        ast.literal_eval(node.value)
        for node in module.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "LOCALES" for t in node.targets)
    ]
    assert tuple(written) == LOCALES
    assert {p.name for p in (REPO_ROOT / "bi" / "superset" / "bundle").iterdir()} == set(LOCALES)
