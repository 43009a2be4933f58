"""What every portal handler gets injected as ``portal``: settings, database, mailer, pages.

Handlers are async; the case core is synchronous SQLAlchemy, so :meth:`Portal.call` runs it
in a worker thread and the event loop stays free for other requests.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import anyio.to_thread
import jinja2
import sqlalchemy as sa
from litestar import Response
from litestar.enums import MediaType

from dsr.config import Settings, connect

# imported at run time, not only for type checking: Litestar reads Portal's field types when it
# builds the handlers' signature models (a name it cannot resolve makes every page a 500)
from dsr.portal.config import OfficerAuth
from dsr.portal.i18n import LANGUAGES, Language, text
from dsr.service.casework import ConnectorsOf
from dsr.service.mail import Mailer, mailer_for

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
T = TypeVar("T")


def page_environment(override: Path | jinja2.BaseLoader | None = None) -> jinja2.Environment:
    """The pages' Jinja2 environment: ``override`` (a host's folder or loader, for its branding)
    is asked first for every template, dsr's ``templates/`` after it."""
    loader: jinja2.BaseLoader = jinja2.FileSystemLoader(TEMPLATES)
    if override is not None:
        first = override if isinstance(override, jinja2.BaseLoader) else jinja2.FileSystemLoader(override)
        loader = jinja2.ChoiceLoader([first, loader])
    return jinja2.Environment(
        loader=loader,
        autoescape=True,  # every template is HTML; never render personal data unescaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass
class Portal:
    settings: Settings
    engine: sa.Engine
    mailer: Mailer
    #: the mount path ("" or "/datenschutz"); every link in a page starts with it
    path: str = ""
    pages: jinja2.Environment = field(default_factory=page_environment)
    #: ``connectors_of(settings, controller_key)``: how the officer side and the job worker build a
    #: controller's connectors (the host's classes or its own function; default: the configured stores)
    connectors_of: ConnectorsOf = connect
    #: the job worker runs inside this app (False: a separate `dsr worker`)
    run_worker: bool = True
    #: staff login through the host (None: dsr's own accounts)
    officer_auth: OfficerAuth | None = None
    #: where the host logs its staff in (with ``officer_auth``); dsr's login page links there
    officer_login_url: str | None = None
    #: "own": schema at <path>/api/schema; "host": in the host's schema; "none": not in any
    openapi: Literal["own", "host", "none"] = "own"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        engine: sa.Engine | str | None = None,
        mailer: Mailer | None = None,
        path: str | None = None,
    ) -> Portal:
        from dsr.casefile import open_engine, use_table_prefix

        prefix = settings.portal.table_prefix
        if isinstance(engine, sa.Engine):
            # a host's engine learns dsr's table prefix too (it renames only dsr's own tables)
            engine = use_table_prefix(engine, prefix)
        else:  # a database URL, or none: [portal] database_url
            engine = open_engine(engine or settings.portal_database_url, table_prefix=prefix)
        return cls(
            settings=settings,
            engine=engine,
            mailer=mailer or mailer_for(settings),
            path=settings.portal.path if path is None else path,
        )

    @property
    def secret(self) -> bytes:
        return self.settings.dsr.secret_key.encode()

    def url(self, path: str) -> str:
        """A path inside the portal, as a link in a page."""
        return f"{self.path}{path}"

    def absolute(self, path: str) -> str:
        """A full address for e-mails (``[portal] base_url`` + mount path)."""
        return f"{self.settings.portal.base_url}{self.path}{path}"

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a synchronous core function (database work) off the event loop."""
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))

    def render(
        self,
        language: Language,
        template: str,
        *,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
        informal: bool = False,
        **context: Any,
    ) -> Response[str]:
        """A page from ``templates/``: ``t(key)`` gives texts, ``url(path)`` links inside the portal.

        ``informal``: the page speaks to a child asking for themselves ("du" texts where they exist).
        """
        other = "en" if language == "de" else "de"
        html = self.pages.get_template(template).render(
            lang=language,
            other_lang=other,
            languages=LANGUAGES,
            t=functools.partial(text, language, informal=informal),
            url=self.url,
            static=lambda p: self.url(f"/static/{p}"),
            controllers=self.settings.controllers,
            **context,
        )
        return Response(html, status_code=status_code, media_type=MediaType.HTML, headers=headers)
