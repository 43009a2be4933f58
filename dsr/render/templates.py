"""The letter templates: one folder per letter, ``<letter>/<language>.html``, autoescaped."""

from __future__ import annotations

import functools
from typing import Any

import jinja2

from dsr.compose.wording import TEMPLATES
from dsr.errors import RenderError

#: collections with more records than this print one paragraph per record instead of a table
TABLE_LIMIT = 60


@functools.cache
def environment() -> jinja2.Environment:
    # Autoescape everything: values come from stores and must never become markup or links.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )


def html(letter_kind: str, language: str, **context: Any) -> str:
    try:
        template = environment().get_template(f"{letter_kind}/{language}.html")
    except jinja2.TemplateNotFound:
        raise RenderError(f"no template for letter {letter_kind!r} in language {language!r}") from None
    context.setdefault("table_limit", TABLE_LIMIT)
    return template.render(**context)


def base_url(letter_kind: str) -> str:
    return (TEMPLATES / letter_kind).as_uri() + "/"
