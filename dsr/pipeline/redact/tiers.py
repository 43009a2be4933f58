"""Find everything in one text that may be another person's, and give each find a tier.

Layers, in order of trust: the gazetteer of known people (exact, knows whose; :mod:`.scan`),
validated patterns (certain it is an identifier, the gazetteer says whose; :mod:`.patterns`),
cue words ("Frau Schulz": a name nobody in the stores has → review; :mod:`.cues`, found in the
gazetteer's pass), an optional NER adapter (review only). The subject's own values win over
generic patterns that cut into them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from dsr.pipeline.redact.allow import address_key, own_town, same_street
from dsr.pipeline.redact.fold import fold_for_scan
from dsr.pipeline.redact.gazetteer import Gazetteer
from dsr.pipeline.redact.patterns import AnyOf, Grade, find_all
from dsr.pipeline.redact.scan import gazetteer_hits
from dsr.pipeline.redact.spans import Hit, Kind, Tier, resolve
from dsr.pipeline.redact.urls import decoded

#: an optional name finder (e.g. a spaCy/flair wrapper): text → (start, end) spans of names.
#: Its finds only ever become review items.
NameSuggester = Callable[[str], Iterable[tuple[int, int]]]


def find(text: str, gazetteer: Gazetteer, suggest: NameSuggester | None = None) -> list[Hit]:
    """Non-overlapping hits in ``text`` with their final tiers (KEEP hits are dropped). URLs in
    the text are read decoded (:mod:`.urls`); their hits cover the encoded characters."""
    view = decoded(text)
    if view is None:
        return _find(text, gazetteer, suggest)
    out = []
    for h in _find(view.text, gazetteer, suggest):
        start, end = view.original(h.start, h.end)
        out.append(h._replace(start=start, end=end))
    return out


def _find(text: str, gazetteer: Gazetteer, suggest: NameSuggester | None) -> list[Hit]:
    scan = fold_for_scan(text)
    hits = gazetteer_hits(text, scan, gazetteer)
    patterns = _pattern_hits(text, gazetteer)
    generic = [h for h in patterns if h.rule.startswith("pattern-")]
    own = _subject_hits(text, scan, gazetteer, generic)
    if generic and (own or any(h.person == 0 for h in hits)):
        patterns = _outside(patterns, own + [h for h in hits if h.person == 0])
    hits += own
    hits += patterns
    if suggest is not None:
        for start, end in suggest(text):
            if 0 <= start < end <= len(text):
                hits.append(Hit(start, end, Kind.NAME, Tier.REVIEW, "ner-suggestion"))
    return resolve(hits) if hits else hits


def _subject_hits(text: str, scan: str, g: Gazetteer, generic: list[Hit]) -> list[Hit]:
    """The subject's own values wherever they are written, however they are written. Phone
    numbers and IBANs with odd separators matter only where a generic pattern may cut into
    them: their (costlier) regex runs only around the ``generic`` pattern hits."""
    me = g.subject
    out: list[Hit] = []
    if me.literals is not None:
        n = len(text)
        for last, length in me.literals.iter(scan):
            start = last - length  # ``scan`` is ``text`` shifted by one
            if not scan[start].isalnum() and (last >= n or not scan[last + 1].isalnum()):
                out.append(Hit(start, last, Kind.OTHER, Tier.KEEP, "subject-own", 0))
    # a window's letters and digits are a piece of the whole text's: a number of the subject's
    # that is nowhere in the text is in no window
    if generic and me.pattern is not None and _written_in(text, me.needles):
        seen = set()
        for h in generic:
            # a value of the subject that overlaps the hit starts and ends within this window
            lo, hi = max(0, h.start - _REACH), h.end + _REACH
            packed = text[lo:hi].encode().translate(None, _SEPARATORS).upper()
            if not any(n in packed for n in me.needles):
                continue  # none of the subject's numbers is written there
            for m in me.pattern.finditer(text, lo, hi):
                if m.start() < h.end and h.start < m.end() and m.span() not in seen:
                    seen.add(m.span())
                    out.append(Hit(m.start(), m.end(), Kind.OTHER, Tier.KEEP, "subject-own", 0))
    return out


def _written_in(text: str, needles: Iterable[bytes]) -> bool:
    packed = text.encode().translate(None, _SEPARATORS).upper()
    return any(n in packed for n in needles)


_REACH = 64  # longer than any phone number or IBAN as written
# every byte but ASCII letters and digits (a character outside ASCII is encoded in such bytes
# only): deleted by bytes.translate, ten times faster than a regex substitution
_SEPARATORS = bytes(b for b in range(256) if not chr(b).isascii() or not chr(b).isalnum())


def _outside(patterns: list[Hit], own: list[Hit]) -> list[Hit]:
    """Generic pattern hits without those that cut into the subject's own data: "::0171" in
    "::0171 12345678" is an IPv6 look-alike eating the subject's phone number. The subject's
    data wins over a generic pattern; a pattern hit that *contains* the subject's value (a
    longer e-mail address) is another value and stays."""
    out = []
    for h in patterns:
        if h.rule.startswith("pattern-") and any(
            o.start < h.end and h.start < o.end and not (h.start <= o.start and o.end <= h.end) for o in own
        ):
            continue
        out.append(h)
    return out


def _pattern_hits(text: str, g: Gazetteer) -> list[Hit]:
    x, me = g.index, g.subject
    out: list[Hit] = []
    phones = AnyOf(x.phones, me.phones, x.allowed_phones)  # a number is looked up in every reading
    for f in find_all(text, x.card_pattern, x.emails, phones, x.ibans):
        kind, value = f.kind, f.value
        allowed = False
        if kind is Kind.EMAIL:
            own, owner, allowed = value in me.emails, x.emails.get(value), value in x.allowed_emails
        elif kind is Kind.PHONE:
            own, owner, allowed = value in me.phones, x.phones.get(value), value in x.allowed_phones
            if f.grade is Grade.CUED and len(value) >= 5:  # "Tel. 4711 23": the end of one's own number
                own = own or any(p.endswith(value) for p in me.phones)
        elif kind is Kind.IBAN:
            own, owner = value in me.ibans, x.ibans.get(value)
        elif kind is Kind.IP:
            own, owner = value in me.ips, x.ips.get(value)
        elif kind is Kind.ADDRESS:
            # judged whole: the street decides when there is one (a neighbour's street in the
            # subject's town is the neighbour's address), else the postcode
            street, town = f.parts
            if street:
                key = address_key(street)
                own, owner = same_street(key, me.addresses), x.addresses.get(key)
                allowed = same_street(key, x.allowed_addresses)
            else:
                own, owner = own_town(town, me.postcodes, me.towns), None
                allowed = address_key(town) in x.allowed_addresses
        elif kind is Kind.CARD:
            own, owner = value in me.cards, x.cards.get(value)
        else:
            own, owner = False, None
        if allowed:
            out.append(Hit(f.start, f.end, kind, Tier.KEEP, "allow-list"))
        elif own or owner in me.rows:
            out.append(Hit(f.start, f.end, kind, Tier.KEEP, "subject-own", 0))
        elif owner is not None:
            out.append(Hit(f.start, f.end, kind, Tier.REDACT, f"known-{kind.value}", owner))
        elif f.grade is Grade.INERT:
            continue  # "127.0.0.1", "::", "1::2": nobody's, unless a known person's
        elif kind is Kind.IP and x.unknown_ip != "redact":
            if x.unknown_ip == "review":
                out.append(Hit(f.start, f.end, kind, Tier.REVIEW, "pattern-ip"))
            else:  # kept whole: no other pattern may cut into it
                out.append(Hit(f.start, f.end, kind, Tier.KEEP, "ip-policy"))
        elif f.grade is Grade.CUED:
            rule = "authority-reference" if kind is Kind.OTHER else f"pattern-{kind.value}-cued"
            out.append(Hit(f.start, f.end, kind, Tier.REVIEW, rule))
        else:
            out.append(Hit(f.start, f.end, kind, Tier.REDACT, f"pattern-{kind.value}"))
    return out
