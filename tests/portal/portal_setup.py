"""Helpers of the portal tests (plain functions and values; the fixtures are in conftest.py)."""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from dsr import casefile
from dsr.config import Settings

SECRET = "portal-test-secret-0123456789abcdef"
#: the key the James application of gym-musterstadt signs logins with (dsr.signin; in CONTROLLERS)
JAMES_LOGIN_KEY = "james-login-key-for-portal-tests-7391"


CHROMIUM = "/usr/bin/chromium"


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


CONTROLLERS = """
[controllers.gym-musterstadt]
name = "Gymnasium Musterstadt"
kind = "school"
land = "BY"
public = true
street = "Schulweg 1"
postal_code = "80331"
city = "München"
email = "datenschutz@gym-musterstadt.example"
dpo = { name = "Dr. Datenschutz", email = "dsb@gym-musterstadt.example" }
signatory = { name = "Frau Direktorin", role = "Schulleitung" }
james_login_key = "james-login-key-for-portal-tests-7391"
stores.school = { connector = "sql", url = "sqlite:///school.db", mapping = "james-school" }

[controllers.james-vendor]
name = "James Software GmbH"
kind = "vendor"
land = "BE"
public = false
street = "Hauptstraße 5"
postal_code = "10115"
city = "Berlin"
email = "privacy@james.example"
dpo = { name = "DSB James", email = "dsb@james.example" }
signatory = { name = "Geschäftsführung", role = "Geschäftsführer" }
stores.vendor = { connector = "sql", url = "sqlite:///vendor.db", mapping = "james-vendor" }
"""


def write_config(folder: Path, portal: str = "") -> Path:
    """A dsr.toml in ``folder``; ``portal`` is the body of its [portal] section (staff log in with
    the password alone, ``require_totp = false``, unless it says otherwise)."""
    if "require_totp" not in portal:
        portal = f"require_totp = false\n{portal}"
    path = folder / "dsr.toml"
    path.write_text(f'[dsr]\nsecret_key = "{SECRET}"\n\n[portal]\n{portal}\n{CONTROLLERS}', encoding="utf-8")
    return path


def migrate(settings: Settings, template: Path) -> None:
    """Give ``settings`` a migrated portal DB: a copy of the template for the default SQLite file."""
    if settings.portal.database_url:
        casefile.upgrade(settings.portal_database_url)
    else:
        shutil.copyfile(template, settings.base_dir / "dsr-portal.db")


def read_mail(folder: Path) -> list[EmailMessage]:
    """Messages the file backend wrote, oldest first."""
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]  # type: ignore[misc]


def code_in(message: EmailMessage) -> str:
    """The 8-character code indented on its own line of a dsr e-mail."""
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    match = re.search(r"^\s{4}([A-Z0-9]{8})\s*$", body, re.M)
    assert match, "no code in the message"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SMTPSink:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, to: str, *, count: int = 1, timeout: float = 15.0) -> EmailMessage:
        """The ``count``-th message to ``to`` (waits for it to arrive)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                mine = [m for m in self.messages if to in str(m["To"])]
            if len(mine) >= count:
                return mine[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no message #{count} arrived within {timeout}s")


@dataclass
class Server:
    url: str
    config: Path
    settings: Settings


@contextlib.contextmanager
def serving(config: Path, port: int, folder: Path) -> Iterator[str]:
    """`dsr serve` for ``config`` in a subprocess on ``port`` until the block ends; yields its URL."""
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "dsr.cli", "serve", "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/de/", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("dsr serve did not start:\n" + (folder / "server.log").read_text()) from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
