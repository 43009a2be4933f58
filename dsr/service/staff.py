"""Running the portal from the command line: staff accounts, the deadline digest, the audit check.
Framework-free; ``dsr.cli`` only parses arguments and prints.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.clock import today as today_in
from dsr.casefile.passwords import check_password
from dsr.config import Settings
from dsr.errors import ConfigError


def portal_engine(settings: Settings) -> sa.Engine:
    """The portal's database, migrated to the newest schema."""
    url, prefix = settings.portal_database_url, settings.portal.table_prefix
    casefile.upgrade(url, table_prefix=prefix)
    return casefile.open_engine(url, table_prefix=prefix)


def new_password() -> str:
    """A random password for a new account (shown once, never stored in clear)."""
    return secrets.token_urlsafe(15)


@dataclass(frozen=True)
class NewAccount:
    """A staff account just created, with its password in clear: shown once, never stored."""

    username: str
    password: str
    roles: dict[str, list[str]]


def add_user(
    settings: Settings,
    username: str,
    roles: Sequence[str],
    controllers: Sequence[str],
    password: str | None = None,
    *,
    engine: sa.Engine | None = None,
) -> NewAccount:
    """Create a staff account with ``roles`` at each of ``controllers`` (which must be configured).

    A password given must meet :mod:`dsr.casefile.passwords` (``InputRejected`` before anything
    is touched); without one a random password is made. ``engine``: the portal database when it is
    not the settings' (a host's own, `litestar dsr user add`)."""
    if password is not None:
        check_password(password)
    for key in controllers:
        settings.controller(key)  # ConfigError naming the file when unknown
    for role in roles:
        if role not in casefile.ROLES:
            raise ConfigError(settings.file, None, f"unknown role {role!r}; one of {', '.join(casefile.ROLES)}")
    password = password or new_password()
    grants = {key: list(roles) for key in controllers}
    casefile.create_user(engine or portal_engine(settings), username, password, grants)
    return NewAccount(username, password, grants)


@dataclass(frozen=True)
class DeadlineReport:
    today: dt.date
    due: list[casefile.DueCase]
    #: controller key → its configured name, for the digest
    controllers: dict[str, str] = field(default_factory=dict)

    @property
    def overdue(self) -> bool:
        return casefile.any_overdue(self.due)

    @property
    def digest(self) -> str:
        return casefile.deadline_digest(self.due, self.today, self.controllers)


def deadlines(settings: Settings, *, today: dt.date | None = None, within_days: int = 7) -> DeadlineReport:
    today = today or today_in(settings.zone)
    due = casefile.due_cases(portal_engine(settings), today=today, within_days=within_days, zone=settings.zone)
    return DeadlineReport(today, due, {key: c.name for key, c in settings.controllers.items()})


def send_digest(settings: Settings, report: DeadlineReport, to: str) -> None:
    """E-mail the digest (references and dates only) through ``[portal.mail]``."""
    from dsr.service.mail import Message, mailer_for, send_now

    seq, head = casefile.audit_head(portal_engine(settings))
    # the audit head published outside the database catches a rewritten chain (docs/cases.md)
    body = report.digest + f"\nAudit-Kette: Ereignis {seq}, {head}\n"
    send_now(mailer_for(settings), Message(to=to, subject=f"DSR: fällige Anfragen {report.today:%d.%m.%Y}", body=body))


def verify_audit(settings: Settings) -> casefile.AuditReport:
    return casefile.verify(portal_engine(settings))
