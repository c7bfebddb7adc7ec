"""Personal Superset logins for Carteira's staff, kept in step with marts.dim_staff.

Runs inside Superset's app context (called by setup_superset.py). The rules, and why:

- An account belongs to a staff member through its role `Carteira staff <staff_id>`, not
  through its user name: the role is what the row-level security rules hang on, so
  finding the account by it means a login can never carry someone else's rows, and a
  user name can be anything without breaking the link.
- The user name of a new account is the staff id: the primary key of crm.staff (unique,
  never null), the key of marts.staff_visibility, and stable when an e-mail changes (two
  staff may even share one e-mail). It is never a name another user already holds
  (Superset compares user names case-insensitively), nor `admin`: then the account is
  `staff-<staff id>` (`-2`, `-3`... if that is taken too). Every staff id is reserved for
  its owner, so a fallback name never takes another person's id.
- The administrator (`admin`) is created when missing and otherwise never touched: its
  roles and a password changed in Superset survive every run.
- Each new account gets its own random password (`secrets`), written only to the
  operator's hand-out file (mode 0600, created before the accounts are committed) and
  never to stdout or the log. Existing accounts keep their password.
- Staff who left (inactive or deleted in marts.dim_staff) are deactivated and marked
  with the role `Carteira left`; only an account carrying that mark is reactivated when
  its owner is active again, with a new password (whoever knew the old one may have left
  too). An account an operator deactivated by hand stays inactive.
- Installations of the shared staff password (before personal logins) are repaired:
  every account that still accepts it, the administrator included, gets its own new
  password, and a staff account gets the staff-id user name; the administrator loses
  staff roles it was wrongly given.
"""

from __future__ import annotations

import csv
import os
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ADMIN_USERNAME = "admin"
ADMIN_ROLE = "Admin"
STAFF_ROLE_PREFIX = "Carteira staff "
LEFT_ROLE = "Carteira left"
FALLBACK_PREFIX = "staff-"
# Placeholder domain for accounts whose e-mail is missing or held by another user
# (Superset's e-mails are unique); `.invalid` is reserved, nothing is ever sent there.
PLACEHOLDER_EMAIL_DOMAIN = "staff.carteira.invalid"
# No look-alikes (0/O, 1/l/I): the password is read off a file and typed by a person.
PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
PASSWORD_LENGTH = 16  # ~90 bits
HANDOUT_COLUMNS = ("username", "password", "staff_id", "full_name", "email", "why")


@dataclass
class Outcome:
    """What one run did; `handout` rows hold passwords and go only to the hand-out file."""

    handout: list[dict[str, str]] = field(default_factory=list)
    staff_accounts: int = 0
    created: int = 0
    deactivated: list[str] = field(default_factory=list)
    kept_inactive: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.staff_accounts} staff users ({self.created} new"
        if self.deactivated:
            text += f", {len(self.deactivated)} deactivated: staff who left"
        if self.kept_inactive:
            text += f", {len(self.kept_inactive)} left inactive: deactivated in Superset"
        return text + ")"


def new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password)


def _accepts(user: Any, password: str | None) -> bool:
    from werkzeug.security import check_password_hash

    return bool(password) and bool(user.password) and check_password_hash(user.password, password)


def ensure_admin(initial_password: str) -> Any:
    """The administrator: created with the install's password when missing, else untouched."""
    from superset import security_manager

    admin = security_manager.find_user(username=ADMIN_USERNAME)
    if admin is None:
        admin = security_manager.add_user(
            ADMIN_USERNAME,
            "Carteira",
            "Admin",
            "admin@localhost",
            security_manager.find_role(ADMIN_ROLE),
            password=initial_password,
        )
    return admin


def _repair_admin(admin: Any, legacy_password: str, outcome: Outcome) -> None:
    """Undo the shared-password era on the administrator, and only then touch it: staff
    roles it was given by a staff member whose e-mail began with `admin@` go, the Admin
    role comes back, and a password equal to the shared one is replaced."""
    from superset import security_manager

    staff_roles = [r for r in admin.roles if r.name.startswith(STAFF_ROLE_PREFIX)]
    if staff_roles:
        admin_role = security_manager.find_role(ADMIN_ROLE)
        kept = [r for r in admin.roles if r not in staff_roles]
        admin.roles = kept if admin_role in kept else [*kept, admin_role]
    if staff_roles or _accepts(admin, legacy_password):
        password = new_password()
        admin.password = _hash(password)
        outcome.handout.append(_row(admin, password, "", "administrator: shared password replaced"))


def _row(user: Any, password: str, staff_id: str, why: str) -> dict[str, str]:
    return {
        "username": user.username,
        "password": password,
        "staff_id": staff_id,
        "full_name": f"{user.first_name} {user.last_name}".strip(),
        "email": user.email,
        "why": why,
    }


def _accounts(users: list[Any], admin: Any) -> dict[str, Any]:
    """staff_id -> that member's account (the user holding their staff role)."""
    accounts: dict[str, Any] = {}
    for user in sorted(users, key=lambda u: u.id):
        if user is admin:
            continue
        for role in user.roles:
            if role.name.startswith(STAFF_ROLE_PREFIX):
                accounts.setdefault(role.name.removeprefix(STAFF_ROLE_PREFIX), user)
    return accounts


def _free_name(staff_id: str, taken: set[str], reserved: set[str]) -> str:
    """The staff id when no other user holds it, else `staff-<id>`, `staff-<id>-2`, ..."""
    if staff_id.lower() not in taken and staff_id.lower() != ADMIN_USERNAME:
        return staff_id
    base = FALLBACK_PREFIX + staff_id
    candidate, n = base, 1
    while candidate.lower() in taken or candidate.lower() in reserved:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _email(member: dict[str, Any], username: str, owner: Any, by_email: dict[str, Any]) -> str:
    wanted = member.get("email")
    holder = by_email.get(wanted.lower()) if wanted else None
    if wanted and (holder is None or holder is owner):
        return wanted
    return f"{username}@{PLACEHOLDER_EMAIL_DOMAIN}".replace(" ", "_")


def provision(
    members: list[dict[str, Any]],
    viewer: Any,
    admin: Any,
    legacy_password: str | None,
    outcome: Outcome,
) -> None:
    """Create, keep, deactivate or reactivate the staff accounts (see the module docstring)."""
    from superset import db, security_manager

    if legacy_password:
        _repair_admin(admin, legacy_password, outcome)
    users = list(security_manager.get_all_users())
    accounts = _accounts(users, admin)
    taken = {u.username.lower() for u in users} | {ADMIN_USERNAME}
    reserved = {m["staff_id"].lower() for m in members}
    by_email = {u.email.lower(): u for u in users if u.email}
    left = security_manager.add_role(LEFT_ROLE)
    for member in sorted(members, key=lambda m: m["staff_id"]):
        staff_id = member["staff_id"]
        role = security_manager.add_role(STAFF_ROLE_PREFIX + staff_id)
        user = accounts.get(staff_id)
        if user is None:
            username = _free_name(staff_id, taken, reserved)
            password = new_password()
            email = _email(member, username, None, by_email)
            user = security_manager.add_user(
                username,
                member["first_name"],
                member["last_name"],
                email,
                [viewer, role],
                password=password,
                commit=False,
            )
            if not user:
                raise RuntimeError(f"could not create the Superset user of staff {staff_id}")
            taken.add(username.lower())
            by_email[email.lower()] = user
            outcome.created += 1
            outcome.handout.append(_row(user, password, staff_id, "new account"))
        else:
            _refresh(user, member, viewer, role, left, legacy_password, taken, reserved, outcome)
        outcome.staff_accounts += 1
    active = {m["staff_id"] for m in members}
    for staff_id, user in sorted(accounts.items()):
        if staff_id not in active and user.active:
            user.active = False
            if left not in user.roles:
                user.roles = [*user.roles, left]
            outcome.deactivated.append(user.username)
    db.session.flush()


def _refresh(
    user: Any,
    member: dict[str, Any],
    viewer: Any,
    role: Any,
    left: Any,
    legacy_password: str | None,
    taken: set[str],
    reserved: set[str],
    outcome: Outcome,
) -> None:
    """An existing account: Carteira's roles ensured, password kept unless it must change."""
    user.roles = [*user.roles, *(r for r in (viewer, role) if r not in user.roles)]
    user.first_name, user.last_name = member["first_name"], member["last_name"]
    why = None
    if not user.active:
        if left not in user.roles:  # deactivated by an operator: their decision stands
            outcome.kept_inactive.append(user.username)
            return
        user.active = True
        user.roles = [r for r in user.roles if r is not left]
        why = "returned: account reactivated"
    elif _accepts(user, legacy_password):
        why = "shared password replaced"
        if user.username.lower() != member["staff_id"].lower():
            taken.discard(user.username.lower())
            user.username = _free_name(member["staff_id"], taken, reserved)
            taken.add(user.username.lower())
    if why:
        password = new_password()
        user.password = _hash(password)
        outcome.handout.append(_row(user, password, member["staff_id"], why))


def write_handout(path: Path, rows: list[dict[str, str]]) -> None:
    """The new passwords, for the operator only: created 0600 (never wider, even for an
    instant), refusing to overwrite; nothing written when there is nothing to hand out."""
    if not rows:
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HANDOUT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        handle.flush()
        os.fsync(handle.fileno())
