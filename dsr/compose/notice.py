"""The other letters of a request, on the same machinery as the access answer:

- ``identity_query``: we cannot yet tell who you are; please send one of these (Art. 12(6));
- ``extension``: the answer takes up to two more months, and why (Art. 12(3));
- ``refusal``: we will not act on a manifestly unfounded or excessive request (Art. 12(5));
- ``erasure``: what we erased, what we had to keep (restricted) and until when, whom we told
  (Art. 17, 18, 19).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec

from dsr.compose.disclosure import address_lines, competent_authority, public_part, salutation
from dsr.compose.letter import Authority
from dsr.compose.request import Request
from dsr.compose.values import date_text, datetime_text
from dsr.compose.wording import wording
from dsr.config import ControllerSettings

KINDS = ("identity_query", "extension", "refusal", "erasure")


class Kept(msgspec.Struct, frozen=True, kw_only=True):
    """Data not erased but restricted because a retention duty still applies."""

    what: str
    why: str
    until: str  #: formatted date, or the criterion ("end of 2034")


class Notice(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    language: str
    controller: ControllerSettings
    request: Request
    received: str
    letter_date: str
    letter_date_iso: dt.date
    channel: str
    identity_check: str
    salutation: str
    address_lines: tuple[str, ...]
    authority: Authority
    draft: bool = False
    reasons: str = ""  #: the officer's reasons (extension, refusal, identity query)
    new_deadline: str = ""  #: extension: the new date
    reply_by: str = ""  #: identity query: answer by this date
    identity_options: tuple[str, ...] = ()  #: identity query: what would do, in words
    erased: tuple[str, ...] = ()
    kept: tuple[Kept, ...] = ()
    informed: tuple[str, ...] = ()  #: recipients told of the erasure (Art. 19)

    @property
    def record_count(self) -> int:
        return 0


def notice(
    kind: str,
    controller: ControllerSettings,
    request: Request,
    *,
    reasons: str = "",
    new_deadline: dt.date | None = None,
    reply_by: dt.date | None = None,
    identity_options: Sequence[str] = (),
    erased: Sequence[str] = (),
    kept: Sequence[Kept] = (),
    informed: Sequence[str] = (),
    draft: bool = False,
) -> Notice:
    """Compose one of the letters in :data:`KINDS`. ``identity_options`` are keys of
    ``[identity_checks]`` in ``wording.toml`` (or plain text)."""
    if kind not in KINDS:
        raise ValueError(f"unknown letter {kind!r}; one of {', '.join(KINDS)}")
    if kind == "extension" and (new_deadline is None or not reasons):
        raise ValueError("an extension needs the new deadline and the reasons (Art. 12(3) GDPR)")
    if kind == "refusal" and not reasons:
        raise ValueError("a refusal needs the reasons (Art. 12(4) GDPR)")
    lang = request.language
    words = wording(lang)
    return Notice(
        kind=kind,
        language=lang,
        controller=public_part(controller),
        request=request,
        received=datetime_text(request.received_at, lang),
        letter_date=date_text(request.letter_date, lang),
        letter_date_iso=request.letter_date,
        channel=words.get("channels", request.channel),
        identity_check=words.get("identity_checks", request.identity_check),
        salutation=salutation(request, words),
        address_lines=address_lines(request),
        authority=competent_authority(controller),
        draft=draft,
        reasons=reasons,
        new_deadline=date_text(new_deadline, lang) if new_deadline else "",
        reply_by=date_text(reply_by, lang) if reply_by else "",
        identity_options=tuple(words.get("identity_checks", o) for o in identity_options),
        erased=tuple(erased),
        kept=tuple(kept),
        informed=tuple(informed),
    )
