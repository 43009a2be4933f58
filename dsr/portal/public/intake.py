"""The public request form: reading what was entered, checking it, turning it into an ``Intake``.

Shared by the HTML form and the JSON API. Problems come back per field as text keys, so the
page can show each next to its input (linked with aria-describedby) and keep what was typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

from dsr.casefile import Acting, Channel, Intake, Party, RequestType
from dsr.casefile.rights import DETAILS, Asked
from dsr.config import DEFAULT_ZONE, ControllerSettings
from dsr.model import Descriptor
from dsr.pipeline.deadlines import receipt_day
from dsr.portal.public.birth_date import DateProblem, TypedDate, read_birth_date

TEXT_LIMIT = 200  #: names, card numbers
LONG_LIMIT = 5000  #: postal address, details
EMAIL_LIMIT = 254  #: the longest address SMTP carries (RFC 5321)
UPLOAD_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
#: how each allowed type begins. The declared Content-Type is whatever the sender claims (an
#: ``MZ…`` program sent as application/pdf); the first bytes say what the file is.
MAGIC = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}


def sniff(content: bytes) -> str | None:
    """The allowed media type the content really is, or None."""
    return next((media_type for media_type, magic in MAGIC.items() if content.startswith(magic)), None)


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    media_type: str
    content: bytes


@dataclass(slots=True)
class RequestForm:
    """What the requester typed, as typed (re-shown on errors)."""

    types: list[str] = field(default_factory=list)
    acting: str = "self"
    first_name: str = ""
    last_name: str = ""
    birth: TypedDate = TypedDate()
    card_number: str = ""
    requester_first_name: str = ""
    requester_last_name: str = ""
    email: str = ""
    postal_address: str = ""
    details: str = ""
    #: a rectification: which detail is wrong (dsr.casefile.rights.DETAILS) and the correct value
    rect_detail: str = ""
    rect_value: str = ""
    authorisation: Upload | None = None
    #: a login assertion signed by James (dsr.signin): the requester is logged in there
    james_login: str = ""

    @classmethod
    def from_fields(cls, fields: Mapping[str, str], types: Sequence[str], upload: Upload | None = None) -> RequestForm:
        form = cls(types=[str(t) for t in types], authorisation=upload)
        parts = {p: str(fields.get(f"dob_{p}") or "").strip() for p in ("day", "month", "year")}
        iso = str(fields.get("date_of_birth") or "").strip()  # the JSON API sends one ISO date
        form.birth = TypedDate.from_iso(iso) if iso and not any(parts.values()) else TypedDate(**parts)
        for name in (
            "acting",
            "first_name",
            "last_name",
            "card_number",
            "requester_first_name",
            "requester_last_name",
            "email",
            "postal_address",
            "details",
            "rect_detail",
            "rect_value",
            "james_login",
        ):
            value = fields.get(name)
            if isinstance(value, str):
                setattr(form, name, value.strip())
        return form


@dataclass(frozen=True, slots=True)
class Checked:
    """A valid form, ready for the case file."""

    intake: Intake
    details: str | None
    authorisation: Upload | None
    rectification: Asked | None = None  #: what is wrong, for a rectification (kept with the request)


def check(
    form: RequestForm,
    controller: ControllerSettings,
    *,
    received_at: dt.datetime,
    max_upload_bytes: int,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> Checked | dict[str, str]:
    """The intake, or {field: text key} describing what to fix (``zone``: ``Settings.zone``)."""
    problems: dict[str, str] = {}
    types: list[RequestType] = []
    for value in form.types:
        try:
            types.append(RequestType(value))
        except ValueError:
            problems["types"] = "form.error.types"
    if not types:
        problems["types"] = "form.error.types"
    try:
        acting = Acting(form.acting)
    except ValueError:
        problems["acting"] = "form.error.acting"
        acting = Acting.SELF
    for name in ("first_name", "last_name"):
        if not getattr(form, name):
            problems[name] = f"form.error.{name}_required"
    for name in ("first_name", "last_name", "card_number", "requester_first_name", "requester_last_name"):
        if len(getattr(form, name)) > TEXT_LIMIT:
            problems[name] = f"form.error.{name}_too_long"
    for name in ("postal_address", "details"):
        if len(getattr(form, name)) > LONG_LIMIT:
            problems[name] = f"form.error.{name}_too_long"
    asked = _rectification(form, types, problems)
    dob: dt.date | None = None
    # "in the past" is judged by the local calendar day, as the deadline is
    birth = read_birth_date(form.birth, receipt_day(received_at, zone))
    if isinstance(birth, DateProblem):
        problems["date_of_birth"] = birth.key
    else:
        dob = birth
    email = ""
    try:
        email = validate_email(form.email, check_deliverability=False).normalized
    except EmailNotValidError:
        problems["email"] = "form.error.email"
    if acting is not Acting.SELF:
        for name in ("requester_first_name", "requester_last_name"):
            if not getattr(form, name):
                problems[name] = f"form.error.{name}_required"
    upload = form.authorisation
    if acting is Acting.REPRESENTATIVE:
        if upload is None or not upload.content:
            problems["authorisation"] = "form.error.authorisation"
        elif upload.media_type not in UPLOAD_TYPES:
            problems["authorisation"] = "form.error.upload_type"
        elif len(upload.content) > max_upload_bytes:
            problems["authorisation"] = "form.error.upload_size"
        elif (actual := sniff(upload.content)) is None:
            problems["authorisation"] = "form.error.upload_content"
        else:
            # kept under the type its content has (a PNG declared as JPEG is still a PNG)
            upload = Upload(upload.filename, actual, upload.content)
    else:
        upload = None  # a stray file for a request on one's own behalf is not kept
    if problems:
        return problems

    address = form.postal_address or None
    subject_descriptor = Descriptor(
        first_name=form.first_name,
        last_name=form.last_name,
        date_of_birth=dob,
        card_number=form.card_number or None,
        email=email if acting is Acting.SELF else None,
    )
    requester = None
    if acting is not Acting.SELF:
        requester = Party(
            descriptor=Descriptor(first_name=form.requester_first_name, last_name=form.requester_last_name),
            email=email,
            postal_address=address,
        )
    subject = Party(
        descriptor=subject_descriptor,
        email=email if requester is None else None,
        postal_address=address if requester is None else None,
    )
    authorisation = None
    if upload is not None:
        # the file itself is kept with the case; this notes how authority was shown
        authorisation = f"uploaded with the request ({upload.media_type}, {len(upload.content)} bytes)"
    intake = Intake(
        controller=controller.key,
        land=controller.land,
        request_types=tuple(dict.fromkeys(types)),
        channel=Channel.PORTAL,
        received_at=received_at,
        subject=subject,
        acting=acting,
        requester=requester,
        authorisation=authorisation,
    )
    return Checked(intake, form.details or None, upload, asked)


def _rectification(form: RequestForm, types: list[RequestType], problems: dict[str, str]) -> Asked | None:
    """For a rectification: which detail is wrong and the correct value — or, instead, the further
    details saying it (a letter's words, typed in by staff or sent through the API). Ignored for
    other requests."""
    if RequestType.RECTIFICATION not in types or (not form.rect_detail and not form.rect_value and form.details):
        return None
    if form.rect_detail not in DETAILS:
        problems["rect_detail"] = "form.error.rect_detail"
    if len(form.rect_value) > TEXT_LIMIT:
        problems["rect_value"] = "form.error.rect_value_too_long"
    elif not form.rect_value and not form.details:
        problems["rect_value"] = "form.error.rect_value"
    if "rect_detail" in problems or "rect_value" in problems:
        return None
    return Asked(detail=form.rect_detail, value=form.rect_value)
