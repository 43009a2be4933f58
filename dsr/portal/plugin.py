"""The portal as a Litestar plugin a host app mounts at any path, and ``create_app`` for `dsr serve`.

    app = Litestar(plugins=[DSRPlugin(DSRConfig(settings=..., path="/datenschutz"))])  # inside a host app
    app = create_app(settings)                                                          # standalone

``DSRConfig`` (dsr.portal.config) carries the settings and the host's objects (engine, mailer,
connectors, officer login, templates, OpenAPI mode); ``DSRPlugin(settings, path=…, engine=…,
mailer=…, migrate=…)`` still works and means the same as a ``DSRConfig`` with those fields.

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
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

from litestar import Litestar, Router, get
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import OpenAPI
from litestar.plugins import InitPlugin
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler, Empty, EmptyType

import dsr_letter_templates
from dsr.config import Settings, secret_key_problem
from dsr.errors import ConfigError
from dsr.portal.config import DSRConfig, connectors_of, settings_of
from dsr.portal.context import STATIC, Portal, page_environment
from dsr.portal.errors import EXCEPTION_HANDLERS
from dsr.portal.host_cli import HostCommands
from dsr.portal.isolation import (
    PORTAL_OPT,
    PORTALS,
    cookie_guard,
    filter_access_logs,
    host_middleware_warnings,
    host_opt_outs,
)
from dsr.portal.security import security_headers
from dsr.service.mail import Mailer
from dsr.service.queue import close_queue

FONTS = Path(dsr_letter_templates.__file__).with_name("fonts")
log = logging.getLogger(__name__)
OFFICER_MODULE = "dsr.portal.officer"
#: ``DSR_PORTAL_WORKER=0``: `dsr serve` (and ``DSRPlugin(settings, …)`` without a DSRConfig) leaves
#: jobs to a separate `dsr worker`; with a DSRConfig, ``run_worker`` decides
WORKER_ENV = "DSR_PORTAL_WORKER"
#: where the portal's own OpenAPI schema is, under the mount path ("own" mode and standalone)
SCHEMA_PATH = "/api/schema"
OPENAPI_JSON = "application/vnd.oai.openapi+json"


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


class DSRPlugin(InitPlugin, HostCommands):  # HostCommands: `litestar dsr …` (CLIPluginProtocol)
    """Mounts the portal under ``path`` (default: ``[portal] path``) of any Litestar app.

    At startup the portal database's schema is brought to the newest migration (``migrate=True``,
    idempotent and cheap when nothing is to do), or — with ``migrate=False``, for hosts that run
    ``dsr migrate`` in their deployment — checked, so an old schema stops the app with a clear
    message instead of failing requests later.
    """

    @overload
    def __init__(self, config: DSRConfig, /) -> None: ...

    @overload
    def __init__(
        self,
        config: Settings,
        /,
        *,
        path: str | None = None,
        engine: Any = None,
        mailer: Mailer | None = None,
        migrate: bool = True,
    ) -> None: ...

    def __init__(
        self,
        config: DSRConfig | Settings,
        /,
        *,
        path: str | None = None,
        engine: Any = None,
        mailer: Mailer | None = None,
        migrate: bool = True,
    ) -> None:
        if not isinstance(config, DSRConfig):
            worker = os.environ.get(WORKER_ENV, "1") != "0"
            config = DSRConfig(
                settings=config, path=path, engine=engine, mailer=mailer, migrate=migrate, run_worker=worker
            )
        elif (path, engine, mailer, migrate) != (None, None, None, True):
            raise TypeError("DSRPlugin(DSRConfig(...)): give path, engine, mailer and migrate inside the DSRConfig")
        settings = settings_of(config)
        if (weak := secret_key_problem(settings)) is not None:
            raise weak  # the portal keys every code and link with it: refuse to start without one
        self.config = config
        self.portal = Portal.from_settings(settings, engine=config.engine, mailer=config.mailer, path=config.path)
        self.portal.pages = page_environment(config.templates)
        self.portal.connectors_of = connectors_of(config)
        self.portal.run_worker = config.run_worker
        self.portal.officer_auth = config.officer_auth
        self.portal.officer_login_url = config.officer_login_url
        self.portal.openapi = config.openapi
        self.migrate = config.migrate

    def _schema(self) -> None:
        from dsr import casefile

        engine = self.portal.engine
        try:
            if self.migrate:
                casefile.upgrade(engine)
                return
            current = casefile.is_current(engine)
        except casefile.DatabaseUnreachable as exc:
            # the database is down: start anyway, requests answer 503 until it is back. Any other
            # error (casefile.MigrationError: a failed migration, a foreign revision) stops startup
            log.warning("portal database unreachable at startup (%s): schema not checked", exc)
            return
        if not current:
            raise ConfigError(
                self.portal.settings.file,
                "portal.database_url",
                f"the portal database's schema is at {casefile.current_revision(engine) or 'none'}, this dsr needs "
                f"{casefile.head_revision()}: run `dsr migrate --config …` (or mount DSRPlugin with migrate=True)",
            )

    def _queue(self) -> None:
        """The job queue's startup: with procrastinate, the ids of jobs each commit queued are sent
        to it from now on (dsr.service.queue), and its tables are created or checked."""
        import sqlalchemy as sa

        from dsr.service.queue import prepare, queue_for

        queue_for(self.portal.settings, self.portal.engine)  # a ConfigError stops the startup
        try:
            prepare(self.portal.settings, self.portal.engine, migrate=self.migrate)
        except sa.exc.OperationalError as exc:  # the database is down: the sweep catches up later
            log.warning("portal database unreachable at startup (%s): job queue not checked", type(exc).__name__)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        portal = self.portal
        handlers = route_handlers(portal)
        if portal.openapi == "own":
            handlers.append(own_schema(portal))
        # "own" and "none": none of dsr's routes in the host's schema
        router = mount(portal, handlers, include_in_schema=False if portal.openapi in ("own", "none") else Empty)
        router.opt.update(host_opt_outs(app_config))  # the host's CSRF check would refuse dsr's forms
        app_config.route_handlers.append(router)
        # per mount path: several plugin instances in one app each find their own (isolation.portal_of)
        app_config.state[PORTALS] = {**(app_config.state.get(PORTALS) or {}), portal.path: portal}
        if "dsr_portal" not in app_config.state:
            app_config.state["dsr_portal"] = portal  # the first mounted portal, for old host code; dsr never reads it
        # after every middleware and hook of the host: its cookies never reach dsr's public pages
        app_config.before_send.append(cookie_guard(portal.path))
        for problem in host_middleware_warnings(
            app_config, portal.path, host_session_officers=portal.officer_auth is not None
        ):
            log.warning(problem)
        if (console := console_mail_warning(self.portal.settings, self.config.mailer)) is not None:
            log.warning(console)
        app_config.on_startup.append(filter_access_logs)
        app_config.signature_namespace["Portal"] = Portal
        # the schema first: the officer side's startup starts job workers that use it
        app_config.on_startup.insert(0, self._schema)
        app_config.on_startup.insert(1, self._queue)
        officer = _officer_module()
        if officer is not None and hasattr(officer, "startup"):
            app_config.on_startup.append(lambda: officer.startup(portal))
        if officer is not None and hasattr(officer, "shutdown"):
            app_config.on_shutdown.append(lambda: officer.shutdown(portal))
        app_config.on_shutdown.append(lambda: close_queue(portal.engine))
        app_config.on_shutdown.append(portal.engine.dispose)
        return app_config


def mount(
    portal: Portal, handlers: list[ControllerRouterHandler], *, include_in_schema: bool | EmptyType = Empty
) -> Router:
    """The router at the portal's path: ``handlers`` with the portal injected, its error pages and headers."""
    return Router(
        path=portal.path or "/",
        route_handlers=handlers,
        dependencies={"portal": Provide(lambda: portal, use_cache=True, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[security_headers(portal.settings.portal.tls)],
        include_in_schema=include_in_schema,
        opt={PORTAL_OPT: portal.path},  # every route knows its portal (dsr.portal.isolation.portal_of)
    )


def openapi_config(portal: Portal) -> OpenAPIConfig:
    """The portal's own schema at ``<path>/api/schema``: JSON and YAML only, since the interactive
    renderers load scripts from CDNs, which the CSP forbids."""
    return OpenAPIConfig(
        title="dsr portal",
        version="1",
        path=f"{portal.path}{SCHEMA_PATH}",
        render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
    )


def own_schema(portal: Portal) -> ControllerRouterHandler:
    """``<path>/api/schema/openapi.json`` inside a host app (openapi="own"): the schema of dsr's
    routes alone, made once from an app that holds only them (the host's schema stays the host's)."""
    made: list[dict[str, Any]] = []

    def schema() -> dict[str, Any]:
        if not made:
            shadow = Litestar(
                route_handlers=[mount(portal, route_handlers(portal))],
                openapi_config=openapi_config(portal),
                signature_namespace={"Portal": Portal},
                logging_config=None,
            )
            document: OpenAPI = shadow.openapi_schema
            made.append(document.to_schema())
        return made[0]

    @get(f"{SCHEMA_PATH}/openapi.json", include_in_schema=False, sync_to_thread=False, media_type=OPENAPI_JSON)
    def openapi_json() -> dict[str, Any]:
        return schema()

    return openapi_json


def create_app(
    settings: Settings,
    *,
    engine: Any = None,
    mailer: Mailer | None = None,
    debug: bool = False,
    extra_plugins: Sequence[InitPlugin] = (),
    run_worker: bool | None = None,
) -> Litestar:
    """The standalone portal (`dsr serve`): the plugin at ``[portal] path`` plus the OpenAPI schema.

    ``run_worker`` None: the job worker runs unless ``DSR_PORTAL_WORKER=0``."""
    worker = os.environ.get(WORKER_ENV, "1") != "0" if run_worker is None else run_worker
    # the app is the portal's own: its schema (openapi "host") is the portal's schema
    plugin = DSRPlugin(DSRConfig(settings=settings, engine=engine, mailer=mailer, run_worker=worker, openapi="host"))
    return Litestar(
        plugins=[plugin, *extra_plugins],
        openapi_config=openapi_config(plugin.portal),
        exception_handlers=EXCEPTION_HANDLERS,
        # the app-level middleware covers 404s outside any route, too
        middleware=[security_headers(settings.portal.tls)],
        debug=debug,
        # logging is the host's (or the CLI's) business; Litestar's own config would replace the
        # root handlers, and its exception logging could write tracebacks quoting request data
        logging_config=None,
    )


def console_mail_warning(settings: Settings, mailer: object | None) -> str | None:
    """A deployment (``[portal] tls = true``) whose mail still goes to the console: every code and
    download link would land in the service's log instead of the requester's mailbox. Said once
    at start, with no address or code in it; the demo (no TLS) and a host's own mailer are quiet."""
    if mailer is not None or settings.portal.mail.backend != "console" or not settings.portal.tls:
        return None
    return (
        '[portal.mail] backend is "console": codes and download links are printed to standard output '
        '(the service\'s log) and reach nobody; set backend = "smtp" (docs/portal.md)'
    )
