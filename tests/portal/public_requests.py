"""The public request form as a visitor fills it in, the receipt page's reference, secret and code link,
and a request taken straight to an answer offered for download."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from dsr import casefile
from dsr.model import Candidate, Evidence, Identifier, IdentifierKind

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


def dispatched(engine: sa.Engine, reference: str) -> str:
    """Take the case ``reference`` straight to an answer offered for download; returns the download token."""
    officer = casefile.create_user(engine, "officer", "pw-officer-1", {"gym-musterstadt": ["officer"]})
    approver = casefile.create_user(engine, "approver", "pw-approver-1", {"gym-musterstadt": ["officer", "approver"]})
    kind = IdentifierKind.CARD
    found = Candidate(
        reference="P-AAA",
        store="school",
        key="1",
        evidence=(Evidence("school", kind, True),),
        identifiers=frozenset({Identifier(kind, "x")}),
    )
    casefile.record_candidates(engine, officer, reference, [found])
    casefile.confirm_identity(engine, officer, reference, "P-AAA")
    casefile.start_gathering(engine, officer, reference, ["school"])
    casefile.finish_gathering(engine, reference)
    casefile.prepare(
        engine,
        officer,
        reference,
        casefile.Document(filename='Auskunft "x".pdf', media_type="application/pdf", content=b"%PDF-1.7 the answer"),
    )
    casefile.approve(engine, approver, reference)
    return casefile.dispatch_by_download(engine, officer, reference, max_count=2).token
