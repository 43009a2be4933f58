"""The other letters of a request, on the same machinery as the access answer:

- ``identity_query``: we cannot yet tell who you are; please send one of these (Art. 12(6));
- ``extension``: the answer takes up to two more months, and why (Art. 12(3));
- ``refusal``: we will not act on a manifestly unfounded or excessive request (Art. 12(5));
- ``erasure``: what we erased, what we had to keep (restricted) and until when, whom we told
  (Art. 17, 18, 19);
- ``restriction``: what we restricted at your request and why, that we tell you before lifting
  it, whom we told (Art. 18, 19);
- ``rectification``: what we corrected (field and new value), what we recorded as a supplementary
  statement instead and why, whom we told (Art. 16, 19);
- ``objection``: the decision with its reasons; upheld: what stopped; rejected: the compelling
  legitimate grounds and the right to complain (Art. 21, 7(3), 77);
- ``portability``: the cover letter of the data file (Art. 20), with the reasons for what the
  right does not reach;
- ``restriction_lift``: we will lift the restriction made at your request from a given day, and
  why (the ground of Art. 18(1) that ended); told before lifting it (Art. 18(3)), with the rights.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec

from dsr.config import ControllerSettings
from dsr.pipeline import land_law
from dsr.pipeline.compose.disclosure import (
    address_lines,
    address_of,
    addressed_to_child,
    competent_authority,
    public_part,
    received_text,
    salutation,
)
from dsr.pipeline.compose.letter import Authority
from dsr.pipeline.compose.request import Address, Request
from dsr.pipeline.compose.values import date_text
from dsr.pipeline.compose.wording import wording
from dsr.pipeline.deadlines import MAX_EXTENSION_MONTHS, Deadline, ExtensionNotAllowed

KINDS = (
    "identity_query",
    "extension",
    "refusal",
    "erasure",
    "restriction",
    "rectification",
    "objection",
    "portability",
    "restriction_lift",
)


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
    received: str  #: "" when nobody recorded it
    letter_date: str
    letter_date_iso: dt.date
    channel: str  #: "" when not recorded
    identity_check: str  #: "" when not recorded (and always in an identity query: it is pending)
    salutation: str
    address_lines: tuple[str, ...]
    authority: Authority
    draft: bool = False
    child: bool = False  #: addressed to a child below the age of consent (Art. 12(1))
    #: how the letter speaks to its reader (:data:`dsr.pipeline.compose.request.Address`)
    address: Address = "sie"
    reasons: str = ""  #: the officer's reasons (extension, refusal, identity query)
    new_deadline: str = ""  #: extension: the new date
    reply_by: str = ""  #: identity query: answer by this date
    identity_options: tuple[str, ...] = ()  #: identity query: what would do, in words
    erased: tuple[str, ...] = ()
    kept: tuple[Kept, ...] = ()
    informed: tuple[str, ...] = ()  #: recipients told of the erasure or restriction (Art. 19)
    #: recipients not told, each with why (Art. 19 sentence 1: impossible or disproportionate effort)
    not_informed: tuple[str, ...] = ()
    restricted: tuple[str, ...] = ()  #: what is restricted at the person's request (Art. 18)
    #: the national provision beside Art. 17(3), 18 GDPR for data kept instead of erased: § 35 Abs. 3
    #: BDSG for a private controller; for a public body the Land's act governs (not the BDSG), and
    #: "" where dsr/data/land_law.toml records no checked provision (the GDPR alone is cited)
    erasure_law: str = ""
    corrected: tuple[str, ...] = ()  #: rectification: "field label: new value"
    #: rectification: "field label: value asked for" recorded as a supplementary statement instead
    supplemented: tuple[str, ...] = ()
    statement: str = ""  #: rectification: the supplementary statement (why the store was not changed)
    decision: str = ""  #: objection: upheld | rejected
    processing: str = ""  #: objection: the processing objected to, in words
    stopped: tuple[str, ...] = ()  #: objection upheld: what stopped, in words
    files: tuple[str, ...] = ()  #: portability: the files the letter carries (embedded in the PDF)
    covered: tuple[str, ...] = ()  #: portability: the activities the file covers, in words
    lift_on: str = ""  #: restriction_lift: the day the restriction is lifted, in words
    ground_law: str = ""  #: restriction_lift: the letter of Art. 18(1) whose ground ended

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
    not_informed: Sequence[str] = (),
    restricted: Sequence[str] = (),
    corrected: Sequence[str] = (),
    supplemented: Sequence[str] = (),
    statement: str = "",
    decision: str = "",
    processing: str = "",
    stopped: Sequence[str] = (),
    files: Sequence[str] = (),
    covered: Sequence[str] = (),
    lift_on: dt.date | None = None,
    ground_law: str = "",
    draft: bool = False,
    paused_days: int = 0,
) -> Notice:
    """Compose one of the letters in :data:`KINDS`. ``identity_options`` are keys of
    ``[identity_checks]`` in ``wording.toml`` (or plain text). ``paused_days``: days the
    deadline stood still for a justified identity query (they move the first month's end)."""
    if kind not in KINDS:
        raise ValueError(f"unknown letter {kind!r}; one of {', '.join(KINDS)}")
    if kind == "extension" and (new_deadline is None or not reasons):
        raise ValueError("an extension needs the new deadline and the reasons (Art. 12(3) GDPR)")
    if kind == "extension":
        assert new_deadline is not None
        _check_extension(controller, request, new_deadline, paused_days)
    if kind == "refusal" and not reasons:
        raise ValueError("a refusal needs the reasons (Art. 12(4) GDPR)")
    if kind == "restriction" and (not restricted or not reasons):
        raise ValueError("a restriction confirmation needs what is restricted and the reasons (Art. 18(1) GDPR)")
    if kind == "rectification" and not (corrected or supplemented):
        raise ValueError("a rectification confirmation names what was corrected or supplemented (Art. 16 GDPR)")
    if kind == "objection" and (decision not in ("upheld", "rejected") or not reasons or not processing):
        raise ValueError("an objection's decision states the processing, the decision and its reasons (Art. 21 GDPR)")
    if kind == "portability" and not (files or reasons):
        raise ValueError("a portability letter carries the file or the reasons it is refused (Art. 20 GDPR)")
    if kind == "restriction_lift" and (not restricted or not reasons or lift_on is None):
        raise ValueError("a lift notice names what is restricted, why it ends and from when (Art. 18(3) GDPR)")
    lang = request.language
    words = wording(lang, zone=request.zone)
    child = addressed_to_child(request, controller)
    # an identity query is sent because the check has not been done: that is no missing fact
    unrecorded = [f for f in request.unrecorded if not (kind == "identity_query" and f == "identity_check")]
    return Notice(
        kind=kind,
        language=lang,
        controller=public_part(controller),
        request=request,
        received=received_text(request),
        letter_date=date_text(request.letter_date, lang),
        letter_date_iso=request.letter_date,
        channel=words.get("channels", request.channel) if request.channel else "",
        identity_check=(
            words.get("identity_checks", request.identity_check)
            if request.identity_check and kind != "identity_query"
            else ""
        ),
        salutation=salutation(request, words, address_of(request, controller)),
        address_lines=address_lines(request),
        authority=competent_authority(controller, lang),
        draft=draft or bool(unrecorded),
        child=child,
        address=address_of(request, controller),
        reasons=reasons,
        new_deadline=date_text(new_deadline, lang) if new_deadline else "",
        reply_by=date_text(reply_by, lang) if reply_by else "",
        identity_options=tuple(words.get("identity_checks", o) for o in identity_options),
        erased=tuple(erased),
        kept=tuple(kept),
        informed=tuple(informed),
        not_informed=tuple(not_informed),
        restricted=tuple(restricted),
        erasure_law=erasure_law(controller),
        corrected=tuple(corrected),
        supplemented=tuple(supplemented),
        statement=statement,
        decision=decision,
        processing=processing,
        stopped=tuple(stopped),
        files=tuple(files),
        covered=tuple(covered),
        lift_on=date_text(lift_on, lang, long=True) if lift_on else "",
        ground_law=ground_law,
    )


def erasure_law(controller: ControllerSettings) -> str:
    """§ 35 Abs. 3 BDSG binds private controllers only (§ 1 Abs. 1 BDSG); a public school cites its
    Land's provision where one is recorded (``erasure`` in dsr/data/land_law.toml), else none."""
    if not controller.public:
        return "§ 35 Abs. 3 BDSG"
    entry = land_law.of_land(controller.land)
    return entry.erasure if entry.checked else ""  # an unchecked provision is not cited


def _check_extension(controller: ControllerSettings, request: Request, new_deadline: dt.date, paused_days: int) -> None:
    """Art. 12(3) GDPR, by the rule the case's deadline follows (:mod:`dsr.pipeline.deadlines`): the notice
    goes out within the first month, and the answer is due at most two months after that month."""
    if request.received == "unrecorded":
        raise ExtensionNotAllowed("an extension notice needs the date the request was received")
    deadline = Deadline(request.received_at, controller.land, paused_days=paused_days, zone=request.zone)
    latest = deadline.extend(MAX_EXTENSION_MONTHS, request.letter_date).due  # refuses a late notice
    if new_deadline > latest:
        raise ExtensionNotAllowed(
            f"the new deadline may be at most {MAX_EXTENSION_MONTHS} months after the first month "
            f"(by {latest.isoformat()}), not {new_deadline.isoformat()}"
        )
    if new_deadline <= deadline.due:
        raise ExtensionNotAllowed(f"the new deadline must be after the first month's end ({deadline.due.isoformat()})")
