"""The letter templates: one folder per letter, ``<letter>/<language>.html``, autoescaped."""

from __future__ import annotations

import functools
from typing import Any

import jinja2

from dsr.compose.wording import TEMPLATES, wording
from dsr.errors import RenderError


@functools.cache
def environment() -> jinja2.Environment:
    # Autoescape everything: values come from stores and must never become markup or links.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )
    # short texts shared with the typeset appendix (wording.toml): wording("de").value("draft")
    env.globals["wording"] = wording
    return env


def html(letter_kind: str, language: str, **context: Any) -> str:
    try:
        template = environment().get_template(f"{letter_kind}/{language}.html")
    except jinja2.TemplateNotFound:
        raise RenderError(f"no template for letter {letter_kind!r} in language {language!r}") from None
    return template.render(**context)


def base_url(letter_kind: str) -> str:
    return (TEMPLATES / letter_kind).as_uri() + "/"
