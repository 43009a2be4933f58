"""The demo portal: demo stores, a dsr.toml with a [portal] section, a fresh portal database, and an
officer and an approver account for every demo controller (``dsr demo``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dsr.config import load
from dsr.demo import generate
from dsr.service.staff import NewAccount, add_user

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
    accounts: list[NewAccount]
    summary: object  #: dsr.demo.DemoSummary


def demo_portal(
    out: Path,
    *,
    readers_per_school: int = 300,
    seed: int = 1,
    host: str = "127.0.0.1",
    port: int = 8000,
    mail: str | None = None,
) -> DemoPortal:
    """Demo stores + dsr.toml with a [portal] section + the portal database + an officer and an approver
    (random passwords, returned once) for every demo controller. ``mail`` replaces the [portal.mail] table."""
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
