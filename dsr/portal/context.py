"""What every portal handler gets injected as ``portal``: settings, database, mailer, pages.

Handlers are async; the case core is synchronous SQLAlchemy, so :meth:`Portal.call` runs it
in a worker thread and the event loop stays free for other requests.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
import jinja2
import sqlalchemy as sa
from litestar import Response
from litestar.enums import MediaType

from dsr.config import Settings
from dsr.portal.i18n import LANGUAGES, Language, text
from dsr.service.mail import Mailer, mailer_for

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
T = TypeVar("T")


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
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
    pages: jinja2.Environment = field(default_factory=_environment)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        engine: sa.Engine | None = None,
        mailer: Mailer | None = None,
        path: str | None = None,
    ) -> Portal:
        from dsr.casefile import open_engine

        return cls(
            settings=settings,
            engine=engine or open_engine(settings.portal_database_url),
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
        **context: Any,
    ) -> Response[str]:
        """A page from ``templates/``: ``t(key)`` gives texts, ``url(path)`` links inside the portal."""
        other = "en" if language == "de" else "de"
        html = self.pages.get_template(template).render(
            lang=language,
            other_lang=other,
            languages=LANGUAGES,
            t=functools.partial(text, language),
            url=self.url,
            static=lambda p: self.url(f"/static/{p}"),
            controllers=self.settings.controllers,
            **context,
        )
        return Response(html, status_code=status_code, media_type=MediaType.HTML, headers=headers)
