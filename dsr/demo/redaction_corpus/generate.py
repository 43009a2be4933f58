"""The corpus: people, requests, and documents of every genre for each request."""

from __future__ import annotations

import random

from dsr.demo.redaction_corpus.labels import Corpus, Doc, Span
from dsr.demo.redaction_corpus.names import NOUN_FIRSTS, NOUN_SURNAMES, PARTICLE_SURNAMES, plain
from dsr.demo.redaction_corpus.noise import NOISE
from dsr.demo.redaction_corpus.people import Population, known, plain_name, subject_of
from dsr.demo.redaction_corpus.templates import (
    BOOKS,
    CLOSINGS,
    GREETINGS,
    LOGS,
    SIGNATURE_LINES,
    TEMPLATES,
)
from dsr.demo.redaction_corpus.writer import Writer
from dsr.pipeline.redact.gazetteer import AllowList

#: genres and their shares of the documents
GENRES = {"note": 30, "review": 11, "email": 12, "payment": 8, "log": 18, "incident": 6, "noise": 15}
DOCS_PER_REQUEST = 100


def generate(n_people: int = 2000, n_docs: int = 1000, seed: int = 7) -> Corpus:
    """About ``n_people`` known people (requesters and their families among them) and
    ``n_docs`` labelled documents, one request per :data:`DOCS_PER_REQUEST` documents. Two
    seeds give different people and texts."""
    pop = Population.new(seed)
    rnd = random.Random(seed * 7919 + 1)
    households = [pop.household() for _ in range(max(1, n_docs // DOCS_PER_REQUEST))]
    reserved = {plain_name(p) for h in households for p in (h.subject, *([h.twin] if h.twin else []))}
    members = [p for h in households for p in (h.subject, *h.family, *([h.twin] if h.twin else []))]
    crowd = pop.crowd(max(60, n_people - len(members)), reserved)
    strangers = pop.strangers(200, reserved)
    everyone = members + crowd
    keys = {id(p): k for k, p in enumerate(everyone, start=1)}
    specials = {
        "noun": [p for p in crowd if p.last in NOUN_SURNAMES],
        "noun_first": [p for p in crowd if p.first in NOUN_FIRSTS["f"] + NOUN_FIRSTS["m"]],
        "particle": [p for p in crowd if p.last in PARTICLE_SURNAMES],
    }
    tokens = frozenset(plain(w) for p in everyone for w in (*p.first.split(), *p.last.split()))
    writers = [Writer(rnd, h, crowd, specials, strangers, tokens, pop.pools.faker_en) for h in households]
    docs = []
    genres, weights = list(GENRES), list(GENRES.values())
    for i in range(n_docs):
        request = i % len(households)
        genre = rnd.choices(genres, weights)[0]
        doc = _document(writers[request], genre, rnd)
        doc.request = request
        docs.append(doc)
    return Corpus(
        people=[known(p, keys[id(p)]) for p in everyone],
        subjects=[subject_of(h.subject, keys[id(h.subject)]) for h in households],
        allow=AllowList(terms=tuple(x for pair in BOOKS for x in pair)),
        docs=docs,
    )


def _document(w: Writer, genre: str, rnd: random.Random) -> Doc:
    language = "en" if genre == "log" or rnd.random() < 0.35 else "de"
    if genre == "log":
        return _log(w, rnd)
    if genre == "email":
        return _email(w, language, rnd)
    if genre == "noise":
        return _join(w, [_noise(w, language, rnd) for _ in range(rnd.randrange(1, 5))], " ", language, genre)
    template = _template(w, TEMPLATES[(genre, language)], rnd)
    main = w.fill(template, language, genre)
    before = [_noise(w, language, rnd) for _ in range(rnd.choice([0, 0, 1, 2]))]
    after = [_noise(w, language, rnd) for _ in range(rnd.choice([0, 1, 1, 2]))]
    return _join(w, [*before, main, *after], " ", language, genre)


def _template(w: Writer, templates: list[str], rnd: random.Random) -> str:
    while not w.usable(template := rnd.choice(templates)):
        pass
    return template


def _noise(w: Writer, language: str, rnd: random.Random) -> tuple[str, list[Span]]:
    return w.fill(_noise_sentence(language, rnd), language, "noise")


def _noise_sentence(language: str, rnd: random.Random) -> str:
    lists, weights = zip(*NOISE[language], strict=True)
    return rnd.choice(rnd.choices(lists, weights)[0])


def _log(w: Writer, rnd: random.Random) -> Doc:
    """One to three lines of a web or application log about one person (L)."""
    lines = [w.fill(rnd.choice(LOGS), "en", "log", keep=("L",)) for _ in range(rnd.choice([1, 1, 1, 2, 3]))]
    return _join(w, lines, "\n", "en", "log")


def _email(w: Writer, language: str, rnd: random.Random) -> Doc:
    """An e-mail to the library: greeting, a request and some ordinary sentences, closing, and
    the sender's signature (name, perhaps address, phone, e-mail)."""
    body = " ".join([_template(w, TEMPLATES[("email", language)], rnd)] + _noise_templates(language, rnd))
    lines = SIGNATURE_LINES[language]
    signature = ["{Y.full}", *(rnd.choice(lines[what]) for what in rnd.sample(sorted(lines), rnd.randrange(1, 4)))]
    if "{G." in body:  # a guardian writing about their own account signs as themselves
        signature = [line.replace("{Y.", "{G.") for line in signature]
    text = "\n".join(
        [
            rnd.choice(GREETINGS[language]),
            "",
            body[0].upper() + body[1:],
            "",
            rnd.choice(CLOSINGS[language]),
            *signature,
        ]
    )
    main = w.fill(text, language, "email")
    return _join(w, [main], "", language, "email")


def _noise_templates(language: str, rnd: random.Random) -> list[str]:
    return [_noise_sentence(language, rnd) for _ in range(rnd.choice([0, 1, 2]))]


def _join(w: Writer, pieces: list[tuple[str, list[Span]]], sep: str, language: str, genre: str) -> Doc:
    doc = Doc("", language, genre=genre)
    parts: list[str] = []
    length = 0
    for text, spans in pieces:
        if parts:
            # a sign-off ("Gruß, Anna Berg") ends its line: the next sentence does not run on
            glue = sep if sep != " " or parts[-1][-1:] in '.!?:)"' else "\n"
            parts.append(glue)
            length += len(glue)
        doc.spans += [s.at(length) for s in spans]
        parts.append(text)
        length += len(text)
    doc.text = "".join(parts)
    return doc
