"""What a host application hands the portal: ``DSRConfig`` (settings plus the host's own objects).

    DSRPlugin(DSRConfig(settings={"dsr": {...}, "controllers": {...}}, path="/datenschutz",
                        engine=james_engine, officer_auth=james_staff))

The TOML file stays the CLI's way in; ``settings`` may be that file's path, a mapping with the
file's shape, or ready :class:`dsr.config.Settings`. Both ways produce the same settings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import msgspec
from litestar import Request  # at run time: Litestar resolves OfficerAuth where a Portal is injected

if TYPE_CHECKING:
    import jinja2
    import sqlalchemy as sa

    from dsr.config import ControllerSettings, Settings
    from dsr.connector import Connector
    from dsr.service.casework import ConnectorsOf
    from dsr.service.mail import Mailer


class OfficerIdentity(msgspec.Struct, frozen=True, kw_only=True):
    """A staff member the host has logged in (James account, SSO): who, and what they may do.

    ``user_id`` is the host's stable id (recorded in the audit trail as ``host:<user_id>``);
    ``roles`` are dsr's roles (``officer``, ``approver``, ``admin``) the host maps its own to;
    ``controllers`` the controller keys this person works for.
    """

    user_id: str
    display_name: str
    roles: frozenset[str]
    controllers: frozenset[str]
    language: Literal["de", "en"] = "de"


#: ``officer_auth(request)``: the logged-in staff member, or None (not logged in at the host)
OfficerAuth = Callable[[Request[Any, Any, Any]], OfficerIdentity | None | Awaitable[OfficerIdentity | None]]


@dataclass(frozen=True, kw_only=True)
class DSRConfig:
    """Everything the TOML can say (``settings``) plus the host's objects.

    ``settings`` given as a mapping is validated by :func:`dsr.config.from_mapping`: errors name
    the field (``DSRConfig.settings["controllers"]["gym"]["land"]``), and relative paths are
    relative to ``base_dir`` (default: the working directory when the plugin is made).
    """

    settings: Settings | Mapping[str, Any] | str | Path
    #: the folder relative paths in a ``settings`` mapping are read from (default: working directory)
    base_dir: Path | None = None
    #: mount path; default ``[portal] path``
    path: str | None = None
    engine: sa.Engine | None = None
    mailer: Mailer | None = None
    #: extra connector classes by the name a store's ``connector = "..."`` uses
    connectors: Mapping[str, type[Connector]] = field(default_factory=dict)
    #: builds a controller's connectors instead of the configured stores
    connectors_of: Callable[[ControllerSettings], list[Connector]] | None = None
    #: run the job worker inside this app (False: a separate `dsr worker` / `litestar dsr worker`)
    run_worker: bool = True
    #: bring the portal's tables to the newest migration at startup (False: only check)
    migrate: bool = True
    #: "own": schema at <path>/api/schema; "host": dsr's paths in the host's schema; "none"
    openapi: Literal["own", "host", "none"] = "own"
    #: a directory or loader whose templates override dsr's (James' branding)
    templates: Path | jinja2.BaseLoader | None = None
    #: staff login through the host instead of dsr's own accounts
    officer_auth: OfficerAuth | None = None
    #: with ``officer_auth``: the host's login page (staff not logged in are sent there, ``?next=``)
    officer_login_url: str | None = None


def settings_of(config: DSRConfig) -> Settings:
    """``config.settings`` as validated settings (a file is read, a mapping checked)."""
    from dsr.config import Settings, from_mapping, load

    given = config.settings
    if isinstance(given, Settings):
        return given
    if isinstance(given, str | Path):
        return load(given)
    return from_mapping(given, source="DSRConfig.settings", base_dir=config.base_dir)


def connectors_of(config: DSRConfig) -> ConnectorsOf:
    """How the portal builds a controller's connectors: the host's function, else the configured
    stores (with the host's connector classes by name)."""
    from dsr.config import connect

    host = config.connectors_of
    if host is not None:
        return lambda settings, key: host(settings.controller(key))
    extra = dict(config.connectors)
    if not extra:
        return connect
    return lambda settings, key: connect(settings, key, connectors=extra)
