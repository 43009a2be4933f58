"""The public request form as a visitor fills it in, the receipt page's reference, secret and code link,
and a request taken straight to an answer offered for download."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from dsr import casefile
from dsr.model import Candidate, Evidence, Identifier, IdentifierKind
from tests.portal.portal_setup import SECRET

FORM = {
    "types": ["access", "copy"],
    "acting": "self",
    "first_name": "Anna",
    "last_name": "Beispiel",
    "email": "anna@example.org",
    "date_of_birth": "2010-03-04",
    "card_number": "L-1001",
}


def submit(client: Any, lang: str = "de", controller: str = "gym-musterstadt", **changes: Any) -> Any:
    return client.post(f"/{lang}/request/{controller}", data={**FORM, **changes})


def receipt(response: Any) -> tuple[str, str, str]:
    """(reference, status secret, the token naming the verification code in its link)."""
    reference = re.search(r'id="reference">([^<]+)<', response.text).group(1)
    secret = re.search(r'id="status-secret">([^<]+)<', response.text).group(1)
    code_id = re.search(r'/verify/([A-Za-z0-9_-]{32})"', response.text).group(1)
    return reference, secret, code_id


def dispatched(engine: sa.Engine, reference: str, *, verified: bool = True, secret: str = SECRET) -> str:
    """Take the case ``reference`` (a request of :data:`FORM`) straight to an answer offered for
    download; returns the download token.

    ``verified``: the requester entered the code sent to anna@example.org, which is on file for
    P-AAA — that verifies her and lets the answer go there. False: she was seen in person, the
    address is not on file, and an officer decided the download on that ground with a second
    person's approval; the address itself is still unverified (no download code goes there yet)."""
    officer = casefile.create_user(engine, "officer", "pw-officer-1", {"gym-musterstadt": ["officer"]})
    approver = casefile.create_user(engine, "approver", "pw-approver-1", {"gym-musterstadt": ["officer", "approver"]})
    card = Identifier(IdentifierKind.CARD, "x")
    on_file = Identifier(IdentifierKind.EMAIL, FORM["email"])
    found = Candidate(
        reference="P-AAA",
        store="school",
        key="1",
        evidence=(Evidence("school", IdentifierKind.CARD, True),),
        identifiers=frozenset({card, on_file} if verified else {card}),
    )
    if verified:
        _, issued = casefile.start_email_verification(engine, secret.encode(), reference)
        casefile.confirm_email(engine, secret.encode(), issued.link, issued.code)
    casefile.record_candidates(engine, officer, reference, [found])
    if not verified:
        casefile.record_identity_check(
            engine, officer, reference, casefile.CheckMethod.IN_PERSON, candidate="P-AAA", evidence="id_card"
        )
    casefile.confirm_identity(engine, officer, reference, "P-AAA")
    casefile.start_gathering(engine, officer, reference, ["school"])
    casefile.finish_gathering(engine, reference)
    if not verified:
        casefile.decide_delivery(engine, officer, reference, "download", "address_confirmed_in_person")
        casefile.approve_delivery(engine, approver, reference)
    casefile.prepare(
        engine,
        officer,
        reference,
        casefile.Document(filename='Auskunft "x".pdf', media_type="application/pdf", content=b"%PDF-1.7 the answer"),
    )
    casefile.approve(engine, approver, reference)
    return casefile.dispatch_by_download(engine, officer, reference, max_count=2).token
