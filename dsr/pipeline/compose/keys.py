"""Internal keys a letter would print: stored codes without words, relations without words.

``dsr check`` reports them (:mod:`dsr.pipeline.check`): a letter must say "Versäumnisgebühr",
not "overdue", and "von Ihnen ausgegeben", not "issued by you" or "loan 4087".
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dsr.errors import ConfigError
from dsr.model import Classification, CollectionSpec
from dsr.pipeline.compose.wording import WORDING, wording


def unworded(specs: Iterable[CollectionSpec], file: str | Path | None, where: str) -> list[ConfigError]:
    """Problems of the collections a store yields: a ``code`` column (but a ``system`` one, which
    is technical and printed as stored) without ``codes``, and a relation (the collection's own,
    else each collection its rows are found through) without words in ``wording.toml
    [relations]`` in German (``de`` and ``du``) and English. ``file`` and ``where`` name the store's mapping."""
    words = [wording(lang) for lang in ("de", "en")]
    relations = words[0].table.get("relations", {})
    problems = []
    for spec in specs:
        for f in spec.fields:
            if f.kind == "code" and not f.codes and f.classification is not Classification.SYSTEM:
                problems.append(
                    ConfigError(
                        file,
                        f"{where}collections.{spec.name}.columns.{f.name}.codes",
                        'kind = "code" without codes: the letter would print the stored codes; '
                        "explain each code in German and English",
                    )
                )
        for relation in (spec.relation,) if spec.relation else spec.via:
            entry = relations.get(relation)
            # "du": the German text for a young reader addressed in "du" ("zu deiner Ausleihe")
            if not entry or not all(isinstance(entry.get(lang), str) and entry[lang] for lang in ("de", "du", "en")):
                problems.append(
                    ConfigError(
                        WORDING,
                        f"relations.{relation}",
                        f"collection {spec.name!r} ({where.rstrip('.') or 'mapping'}) relates its records to the "
                        f"reader as {relation!r}, which lacks words in German (also a `du` text, for young "
                        "readers addressed in du) or English: the letter would print the key or address a child "
                        'as "Sie"',
                    )
                )
    return problems
