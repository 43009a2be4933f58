"""The portal as a Litestar plugin a host app mounts at any path, and ``create_app`` for `dsr serve`.

    app = Litestar(plugins=[DSRPlugin(settings, path="/datenschutz")])     # inside a host app
    app = create_app(settings)                                               # standalone

Extension points (see docs/portal.md):

* :func:`route_handlers` builds everything mounted under the portal path: the public router,
  the static files and — when the module exists — ``dsr.portal.officer.router(portal)``, a
  Router (e.g. ``path="/officer"``) with the officer side's own middleware (sessions, CSRF).
  ``dsr.portal.officer.startup(portal)`` / ``shutdown(portal)``, if defined, run with the app
  (background job workers).
* Every handler can take ``portal: NamedDependency[Portal]`` (settings, engine, mailer, ``render``,
  ``call``); parameters and dependencies are always marked explicitly (docs/portal.md).
* Pages render through ``portal.render(language, "officer/x.html", **context)`` with the
  shared Jinja2 environment of ``templates/`` (``base.html`` is the common layout).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from litestar import Litestar, Router
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.plugins import InitPlugin
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

import letter_templates
from dsr.config import Settings, secret_key_problem
from dsr.errors import ConfigError
from dsr.portal.context import STATIC, Portal
from dsr.portal.errors import EXCEPTION_HANDLERS
from dsr.portal.security import security_headers
from dsr.service.mail import Mailer

FONTS = Path(letter_templates.__file__).with_name("fonts")
log = logging.getLogger(__name__)
OFFICER_MODULE = "dsr.portal.officer"


def _officer_module() -> Any | None:
    if importlib.util.find_spec(OFFICER_MODULE) is None:
        return None
    return importlib.import_module(OFFICER_MODULE)


def route_handlers(portal: Portal) -> list[ControllerRouterHandler]:
    """Everything mounted under the portal's path (relative paths: the plugin adds the mount)."""
    from dsr.portal.public import router as public_router

    handlers: list[ControllerRouterHandler] = [
        public_router(portal),
        create_static_files_router(
            path="/static", directories=[STATIC], name="dsr_static", include_in_schema=False, opt={"static": True}
        ),
        create_static_files_router(
            path="/static/fonts", directories=[FONTS], name="dsr_fonts", include_in_schema=False, opt={"static": True}
        ),
    ]
    officer = _officer_module()
    if officer is not None and hasattr(officer, "router"):
        handlers.append(officer.router(portal))
    return handlers


class DSRPlugin(InitPlugin):
    """Mounts the portal under ``path`` (default: ``[portal] path``) of any Litestar app.

    At startup the portal database's schema is brought to the newest migration (``migrate=True``,
    idempotent and cheap when nothing is to do), or — with ``migrate=False``, for hosts that run
    ``dsr migrate`` in their deployment — checked, so an old schema stops the app with a clear
    message instead of failing requests later.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        path: str | None = None,
        engine: Any = None,
        mailer: Mailer | None = None,
        migrate: bool = True,
    ) -> None:
        if (weak := secret_key_problem(settings)) is not None:
            raise weak  # the portal keys every code and link with it: refuse to start without one
        self.portal = Portal.from_settings(settings, engine=engine, mailer=mailer, path=path)
        self.migrate = migrate

    def _schema(self) -> None:
        from dsr import casefile

        engine = self.portal.engine
        try:
            if self.migrate:
                casefile.upgrade(engine)
                return
            current = casefile.is_current(engine)
        except sa.exc.DBAPIError as exc:
            # the database is down: start anyway, requests answer 503 until it is back
            log.warning("portal database unreachable at startup (%s): schema not checked", type(exc).__name__)
            return
        if not current:
            raise ConfigError(
                self.portal.settings.file,
                "portal.database_url",
                f"the portal database's schema is at {casefile.current_revision(engine) or 'none'}, this dsr needs "
                f"{casefile.head_revision()}: run `dsr migrate --config …` (or mount DSRPlugin with migrate=True)",
            )

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        portal = self.portal
        app_config.route_handlers.append(
            Router(
                path=portal.path or "/",
                route_handlers=route_handlers(portal),
                dependencies={"portal": Provide(lambda: portal, use_cache=True, sync_to_thread=False)},
                exception_handlers=EXCEPTION_HANDLERS,
                middleware=[security_headers(portal.settings.portal.tls)],
            )
        )
        app_config.state["dsr_portal"] = portal
        app_config.state["dsr_portal_path"] = portal.path
        app_config.signature_namespace["Portal"] = Portal
        # the schema first: the officer side's startup starts job workers that use it
        app_config.on_startup.insert(0, self._schema)
        officer = _officer_module()
        if officer is not None and hasattr(officer, "startup"):
            app_config.on_startup.append(lambda: officer.startup(portal))
        if officer is not None and hasattr(officer, "shutdown"):
            app_config.on_shutdown.append(lambda: officer.shutdown(portal))
        app_config.on_shutdown.append(portal.engine.dispose)
        return app_config


def create_app(
    settings: Settings,
    *,
    engine: Any = None,
    mailer: Mailer | None = None,
    debug: bool = False,
    extra_plugins: Sequence[InitPlugin] = (),
) -> Litestar:
    """The standalone portal (`dsr serve`): the plugin at ``[portal] path`` plus the OpenAPI schema."""
    plugin = DSRPlugin(settings, engine=engine, mailer=mailer)
    return Litestar(
        plugins=[plugin, *extra_plugins],
        # JSON/YAML only: the interactive renderers load scripts from CDNs, which the CSP forbids
        openapi_config=OpenAPIConfig(
            title="dsr portal",
            version="1",
            path=f"{plugin.portal.path}/api/schema",
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        # the app-level middleware covers 404s outside any route, too
        middleware=[security_headers(settings.portal.tls)],
        debug=debug,
        # logging is the host's (or the CLI's) business; Litestar's own config would replace the
        # root handlers, and its exception logging could write tracebacks quoting request data
        logging_config=None,
    )
