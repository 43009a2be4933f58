"""The letter templates: one folder per letter, ``<letter>/<language>.html`` (and
``<language>.plain.html`` for a young reader addressed in "du" or plain English), autoescaped."""

from __future__ import annotations

import functools
import re
from typing import Any

import jinja2
from markupsafe import Markup

from dsr.errors import RenderError
from dsr.pipeline.compose.copy import said_once
from dsr.pipeline.compose.letter import Section, Table
from dsr.pipeline.compose.wording import TEMPLATES, formal, wording
from dsr.pipeline.render.measure import clean


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
    # the copy as the typeset appendix prints it (base/appendix.html: letters in other scripts)
    env.globals["shown"] = _shown
    env.globals["said_once"] = said_once
    env.filters["printable"] = clean
    # a free text in "Sie" (an officer's reasons, a register's name) stays out of a "du" letter's text
    env.tests["formal"] = formal
    return env


def _shown(section: Section, relation: str) -> Table:
    from dsr.pipeline.render.appendix import as_stored  # here: appendix imports the typesetter

    return section.table or as_stored(section, relation)


_EMAIL = re.compile(r"[^@\s<>&\"']+@[^@\s<>&\"']+\.[^@\s<>&\"']+")


def _breakable_email(value: Any) -> Any:
    """An e-mail address may break after its "@" and nowhere else ("sekretariat@gym- /
    regensburg.example" misreads): each half kept whole, a <wbr> between them."""
    if isinstance(value, str) and "@" in value and not isinstance(value, Markup) and _EMAIL.fullmatch(value):
        local, domain = value.split("@")
        return Markup('{}@<wbr><span class="nobr">{}</span>').format(local, domain)
    return value


def html(letter_kind: str, language: str, **context: Any) -> str:
    # a letter to a young reader in "du" (or in plain English) has its own text where the letter has one
    plain = getattr(context.get("letter"), "address", "sie") != "sie"
    names = [f"{letter_kind}/{language}.html"]
    if plain:
        names.insert(0, f"{letter_kind}/{language}.plain.html")
    try:
        template = environment().select_template(names)
    except jinja2.TemplateNotFound:
        raise RenderError(f"no template for letter {letter_kind!r} in language {language!r}") from None
    return template.render(**context)


def base_url(letter_kind: str) -> str:
    return (TEMPLATES / letter_kind).as_uri() + "/"
