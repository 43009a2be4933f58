"""``litestar dsr …``: dsr's portal commands in a host app's own command line.

    litestar --app james.app:app dsr migrate
    litestar --app james.app:app dsr user add --username anna --role officer --controller gym-musterstadt
    litestar --app james.app:app dsr worker

Through Litestar's CLI plugin protocol (:class:`HostCommands`, which :class:`DSRPlugin` is): the
commands use the mounted plugin's own configuration — its settings, the host's engine, its
connectors — not a TOML file. They run the same functions as ``dsr migrate``, ``dsr user add`` and
``dsr worker`` (``casefile.upgrade``, ``service.staff.add_user``, ``service.worker.run``), with
the same output and exit codes (2: configuration or input refused, 4: another error).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import click
from litestar.cli._utils import LitestarGroup  # the documented group class for extending the CLI

from dsr.errors import ConfigError, DSRError

if TYPE_CHECKING:
    from litestar import Litestar

    from dsr.portal.context import Portal


class HostCommands:
    """The CLI plugin side of :class:`dsr.portal.DSRPlugin` (``CLIPluginProtocol``)."""

    portal: Portal

    def on_cli_init(self, cli: click.Group) -> None:
        if "dsr" not in cli.commands:  # one group, however many portals the app mounts
            cli.add_command(group)


def portal_of(app: Litestar, mount: str | None) -> Portal:
    """The portal of the app's DSRPlugin (the one mounted at ``mount`` when there are several)."""
    portals = [p.portal for p in app.plugins.init if isinstance(p, HostCommands)]
    if mount is not None:
        portals = [p for p in portals if p.path == mount.rstrip("/")]
    if len(portals) != 1:
        where = ", ".join(repr(p.path or "/") for p in portals) or "none"
        raise click.UsageError(f"choose the portal with --mount (mounted: {where})" if portals else "no DSRPlugin")
    return portals[0]


def _run(command: Callable[[], None]) -> None:
    """Exit as `dsr` does: 2 for a configuration error or refused input, 4 for another of dsr's errors."""
    from dsr.casefile import InputRejected

    try:
        command()
    except (ConfigError, InputRejected) as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
    except DSRError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(4) from None


MOUNT = click.option("--mount", default=None, help="the mount path of the portal, when the app mounts several")


@click.group(cls=LitestarGroup, name="dsr")
def group() -> None:
    """dsr's data protection portal (the mounted DSRPlugin's configuration)."""


@group.command(name="migrate")
@MOUNT
def migrate(app: Litestar, mount: str | None) -> None:
    """Create or migrate the portal's tables (idempotent)."""
    from dsr import casefile

    portal = portal_of(app, mount)

    def upgrade() -> None:
        from dsr.service.queue import prepare

        before = casefile.current_revision(portal.engine)
        casefile.upgrade(portal.engine)
        click.echo(f"portal database: schema {before or 'none'} → {casefile.current_revision(portal.engine)} (newest)")
        if prepare(portal.settings, portal.engine).name == "procrastinate":
            click.echo("portal database: procrastinate's job queue tables present")

    _run(upgrade)


@group.group(name="user", cls=LitestarGroup)
def user() -> None:
    """dsr's own staff accounts (James staff logged in through officer_auth need none)."""


@user.command(name="add")
@MOUNT
@click.option("--username", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(["officer", "approver", "admin"]),
    help="repeat for several roles",
)
@click.option("--controller", "controllers", multiple=True, required=True, help="controller key; repeat for several")
@click.option("--prompt", is_flag=True, help="type the password (twice) instead of generating one")
def user_add(
    app: Litestar, mount: str | None, username: str, roles: tuple[str, ...], controllers: tuple[str, ...], prompt: bool
) -> None:
    """Create a staff account (random password, shown once, unless --prompt)."""
    from dsr.service.staff import add_user

    portal = portal_of(app, mount)
    password = click.prompt("password", hide_input=True, confirmation_prompt=True) if prompt else None

    def add() -> None:
        account = add_user(portal.settings, username, roles, controllers, password, engine=portal.engine)
        click.echo(f"user {account.username} created")
        if password is None:
            click.echo(f"password (shown only now): {account.password}")

    _run(add)


@group.command(name="worker")
@MOUNT
@click.option("--idle", type=float, default=2.0, show_default=True, help="seconds to wait when no job is due")
def worker(app: Litestar, mount: str | None, idle: float) -> None:
    """Run background jobs (gathering) outside the web server (DSRConfig(run_worker=False))."""
    from dsr.service.casework import handlers
    from dsr.service.worker import run

    portal = portal_of(app, mount)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo("worker running (Ctrl-C to stop)")
    jobs = handlers(portal.settings, connectors_of=portal.connectors_of, mailer=portal.mailer)
    with contextlib.suppress(KeyboardInterrupt):  # the backend of [portal.jobs] (dsr.service.queue)
        _run(lambda: run(portal.settings, portal.engine, jobs, stop, idle=idle))


__all__ = ["HostCommands", "group", "portal_of"]
