"""Running the portal from the command line: staff accounts, the deadline digest, the audit check,
and the demo installation. Framework-free; ``dsr.cli`` only parses arguments and prints.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from dsr import cases
from dsr.config import Settings, load
from dsr.deadlines import BERLIN
from dsr.errors import ConfigError


def portal_engine(settings: Settings) -> sa.Engine:
    """The portal's database, migrated to the newest schema."""
    url = settings.portal_database_url
    cases.upgrade(url)
    return cases.open_engine(url)


def new_password() -> str:
    """A random password for a new account (shown once, never stored in clear)."""
    return secrets.token_urlsafe(15)


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    roles: dict[str, list[str]]


def add_user(
    settings: Settings, username: str, roles: Sequence[str], controllers: Sequence[str], password: str | None = None,
) -> Account:
    """Create a staff account with ``roles`` at each of ``controllers`` (which must be configured)."""
    for key in controllers:
        settings.controller(key)  # ConfigError naming the file when unknown
    for role in roles:
        if role not in cases.ROLES:
            raise ConfigError(settings.file, None, f"unknown role {role!r}; one of {', '.join(cases.ROLES)}")
    password = password or new_password()
    grants = {key: list(roles) for key in controllers}
    cases.create_user(portal_engine(settings), username, password, grants)
    return Account(username, password, grants)


@dataclass(frozen=True)
class DeadlineReport:
    today: dt.date
    due: list[cases.DueCase]

    @property
    def overdue(self) -> bool:
        return cases.any_overdue(self.due)

    @property
    def digest(self) -> str:
        return cases.deadline_digest(self.due, self.today)


def deadlines(settings: Settings, *, today: dt.date | None = None, within_days: int = 7) -> DeadlineReport:
    today = today or dt.datetime.now(dt.UTC).astimezone(BERLIN).date()
    return DeadlineReport(today, cases.due_cases(portal_engine(settings), today=today, within_days=within_days))


def send_digest(settings: Settings, report: DeadlineReport, to: str) -> None:
    """E-mail the digest (references and dates only) through ``[portal.mail]``."""
    from dsr.mail import Message, mailer_for, send_now

    seq, head = cases.audit_head(portal_engine(settings))
    # the audit head published outside the database catches a rewritten chain (docs/cases.md)
    body = report.digest + f"\nAudit-Kette: Ereignis {seq}, {head}\n"
    send_now(mailer_for(settings), Message(to=to, subject=f"DSR: fällige Anfragen {report.today:%d.%m.%Y}", body=body))


def verify_audit(settings: Settings) -> cases.AuditReport:
    return cases.verify(portal_engine(settings))


# --------------------------------------------------------------------------- the demo

DEMO_PORTAL = """
[portal]
base_url = "http://{host}:{port}"

[portal.mail]
backend = "console"
sender = "datenschutz@demo.example"
"""


@dataclass(frozen=True)
class DemoPortal:
    config: Path
    accounts: list[Account]
    summary: object  #: dsr.demo.DemoSummary


def demo_portal(
    out: Path, *, readers_per_school: int = 300, seed: int = 1, host: str = "127.0.0.1", port: int = 8000,
    mail: str | None = None,
) -> DemoPortal:
    """Demo stores + dsr.toml with a [portal] section + the portal database + an officer and an approver
    (random passwords, returned once) for every demo controller. ``mail`` replaces the [portal.mail] table."""
    from dsr.demo import generate

    summary = generate(out, schools=2, readers_per_school=readers_per_school, seed=seed)
    config = summary.config
    text = config.read_text(encoding="utf-8")
    if "[portal]" not in text:
        portal = DEMO_PORTAL.format(host=host, port=port)
        if mail is not None:
            portal = portal.split("[portal.mail]")[0] + mail
        config.write_text(text.rstrip() + "\n" + portal, encoding="utf-8")
    settings = load(config)
    db = Path(settings.portal_database_url.removeprefix("sqlite:///"))
    db.unlink(missing_ok=True)  # a fresh demo: new accounts, no old cases
    controllers = sorted(settings.controllers)
    accounts = [
        add_user(settings, "officer", ["officer"], controllers),
        # the approver also reads cases (officer); four eyes still keeps them from approving their own work
        add_user(settings, "approver", ["officer", "approver"], controllers),
    ]
    return DemoPortal(config=config, accounts=accounts, summary=summary)
