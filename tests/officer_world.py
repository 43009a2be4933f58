"""The officer world: real demo stores, a portal on them, staff accounts (helpers of the service and
portal tests; the fixtures ``demo``, ``world`` and ``app_client`` are in tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from dsr import casefile
from dsr.config import Settings, load
from dsr.demo import DemoSummary
from dsr.model import Descriptor
from dsr.service.casework import handlers

PASSWORD = "correct horse battery staple"
SCHOOL = "gym-regensburg"
VENDOR = "vendor"


def demo_config(
    demo: DemoSummary, folder: Path, *, portal: str = "", weblog: str | None = None, require_totp: bool | None = False
) -> Path:
    """A config beside the demo stores (their paths are relative) with its own portal DB and mail folder.

    ``require_totp``: staff log in with the password alone (False, what most tests want), must set
    up the second factor first (True), or None to leave ``[portal] require_totp`` at its default."""
    if require_totp is not None:
        portal += f"require_totp = {'true' if require_totp else 'false'}\n"
    text = demo.config.read_text(encoding="utf-8")
    if weblog is not None:
        text = text.replace('path = "logs"\nscope = "catalogue"', f'path = "{weblog}"\nscope = "catalogue"', 1)
    config = demo.config.with_name(f"dsr-{uuid.uuid4().hex[:8]}.toml")
    config.write_text(
        text + f'\n[portal]\ndatabase_url = "sqlite:///{folder / "portal.db"}"\n{portal}'
        f'\n[portal.mail]\nbackend = "file"\ndirectory = "{folder / "mail"}"\nsender = "dsr@example.org"\n',
        encoding="utf-8",
    )
    return config


@dataclass
class World:
    settings: Settings
    engine: sa.Engine
    demo: DemoSummary
    officer: casefile.User
    approver: casefile.User
    vendor_officer: casefile.User

    def run_jobs(self) -> list[casefile.Job]:
        """Run every due job now (the tests' worker)."""
        done = []
        while (job := casefile.run_next(self.engine, handlers(self.settings))) is not None:
            done.append(job)
        return done

    def open_request(
        self,
        descriptor: Descriptor,
        *,
        controller: str = SCHOOL,
        email: str = "req@example.org",
        acting: casefile.Acting = casefile.Acting.SELF,
        requester: casefile.Party | None = None,
        language: str | None = None,
    ) -> str:
        opened = casefile.open_case(
            self.engine,
            self.settings.dsr.secret_key.encode(),
            casefile.Intake(
                controller=controller,
                land=self.settings.controller(controller).land,
                request_types=(casefile.RequestType.ACCESS,),
                channel=casefile.Channel.PORTAL,
                received_at=dt.datetime.now(dt.UTC),
                subject=casefile.Party(descriptor=descriptor, email=email),
                acting=acting,
                requester=requester,
                language=language,
            ),
        )
        return opened.reference

    def pupil(self) -> Descriptor:
        p = self.demo.featured_pupil()
        return Descriptor(
            card_number=p.card_number, date_of_birth=p.date_of_birth, first_name=p.first_name, last_name=p.last_name
        )


def make_world(demo: DemoSummary, tmp_path: Path, **config: Any) -> World:
    settings = load(demo_config(demo, tmp_path, **config))
    casefile.upgrade(settings.portal_database_url)
    engine = casefile.open_engine(settings.portal_database_url)
    officer = casefile.create_user(engine, "officer", PASSWORD, {SCHOOL: ["officer"]})
    approver = casefile.create_user(engine, "approver", PASSWORD, {SCHOOL: ["officer", "approver"]})
    vendor_officer = casefile.create_user(engine, "vendor-officer", PASSWORD, {VENDOR: ["officer", "approver"]})
    return World(settings, engine, demo, officer, approver, vendor_officer)


def api_login(client: Any, username: str, password: str = PASSWORD) -> str:
    """Log in through the API; returns the CSRF token (the client keeps the cookie)."""
    r = client.post("/api/officer/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf_token"])


def page_csrf(html: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)
