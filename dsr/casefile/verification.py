"""E-mail verification: a short code (or a link carrying it) sent to the address the requester gave.

The link opens a page whose *button* confirms (a POST): mail scanners that follow links
(GET) cannot confirm an address on the requester's behalf. The portal calls
:func:`confirm_email` only from the POST handler. The link names the code by a random token
(``IssuedCode.link``, stored as its sha256), never by the row id: ids count up, and whoever
could name a code could use up its attempts and lock the requester out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

from dsr.casefile import audit, clock, codes
from dsr.casefile.checks import contact
from dsr.casefile.codes import CodePolicy, IssuedCode
from dsr.casefile.errors import CodeRejected, NotFound
from dsr.casefile.permission import load_case
from dsr.casefile.schema import cases, parties

PURPOSE = "verify_email"


def _party(conn: sa.Connection, case_id: int) -> sa.Row[object]:
    row = contact(conn, case_id)
    if row is None or not row.email:
        raise NotFound("this case has no e-mail address to verify")
    return row


def start_email_verification(
    engine: sa.Engine,
    secret: bytes,
    reference: str,
    *,
    policy: CodePolicy = CodePolicy(),
    now: dt.datetime | None = None,
) -> tuple[str, IssuedCode]:
    """A code for the requester's address. Returns (address, code) for the mailer; nothing is sent here.
    The mail's link names the code by ``code.link``."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, None, reference)
        party = _party(conn, case.id)
        issued = codes.issue(
            conn, secret, case_id=case.id, purpose=PURPOSE, target_id=party.id, policy=policy, now=now, link=True
        )
        audit.append(
            conn, "verification code sent", actor="system", case_ref=reference, now=now, detail={"code": issued.id}
        )
        return party.email, issued


def confirm_email(
    engine: sa.Engine,
    secret: bytes,
    link: str,
    code: str,
    *,
    policy: CodePolicy = CodePolicy(),
    now: dt.datetime | None = None,
    then: Callable[[sa.Connection, str], object] | None = None,
) -> str:
    """Confirm the address with the code it received; ``link`` is the code's token from the mail's
    link (``IssuedCode.link``). Returns the case reference. ``then(conn, reference)`` runs in the
    same transaction (the portal queues the candidate search): a crash after the commit cannot
    leave a confirmed address whose search was never queued, as the used code cannot be sent again."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        code_id = codes.code_by_link(conn, PURPOSE, link)
        row = codes.redeem(conn, secret, code_id=code_id, purpose=PURPOSE, code=code, policy=policy, now=now)
        if row is not None:
            reference = conn.execute(sa.select(cases.c.reference).where(cases.c.id == row.case_id)).scalar_one()
            conn.execute(sa.update(parties).where(parties.c.id == row.target_id).values(email_verified_at=now))
            audit.append(conn, "e-mail verified", actor="requester", case_ref=reference, now=now)
            if then is not None:
                then(conn, reference)
        else:
            left = codes.attempts_left(conn, code_id, policy)
    # raised after the commit, so the failed attempt stays counted
    if row is None:
        raise CodeRejected("wrong code", attempts_left=left)
    return reference
