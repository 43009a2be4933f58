"""The letter templates: one folder per letter, ``<letter>/<language>.html``, autoescaped."""

from __future__ import annotations

import functools
import re
from typing import Any

import jinja2
from markupsafe import Markup

from dsr.errors import RenderError
from dsr.pipeline.compose.wording import TEMPLATES, wording


@functools.cache
def environment() -> jinja2.Environment:
    # Autoescape everything: values come from stores and must never become markup or links.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        finalize=_breakable_email,
    )
    # short texts shared with the typeset appendix (wording.toml): wording("de").value("draft")
    env.globals["wording"] = wording
    return env


_EMAIL = re.compile(r"[^@\s<>&\"']+@[^@\s<>&\"']+\.[^@\s<>&\"']+")


def _breakable_email(value: Any) -> Any:
    """An e-mail address may break after its "@" and nowhere else ("sekretariat@gym- /
    regensburg.example" misreads): each half kept whole, a <wbr> between them."""
    if isinstance(value, str) and "@" in value and not isinstance(value, Markup) and _EMAIL.fullmatch(value):
        local, domain = value.split("@")
        return Markup('{}@<wbr><span class="nobr">{}</span>').format(local, domain)
    return value


def html(letter_kind: str, language: str, **context: Any) -> str:
    try:
        template = environment().get_template(f"{letter_kind}/{language}.html")
    except jinja2.TemplateNotFound:
        raise RenderError(f"no template for letter {letter_kind!r} in language {language!r}") from None
    return template.render(**context)


def base_url(letter_kind: str) -> str:
    return (TEMPLATES / letter_kind).as_uri() + "/"
