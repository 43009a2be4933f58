"""One-time codes: keyed hashes, expiry, attempt and resend limits; the secure download."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr import casefile
from dsr.casefile import Channel, CodePolicy, CodeRejected, Document, Intake, Party, RequestType, TooManyRequests
from dsr.casefile.codes import ALPHABET, keyed_hash, matches, normalise
from dsr.casefile.schema import codes, downloads
from dsr.model import Candidate, Descriptor, Evidence, Identifier, IdentifierKind

SECRET = b"server-secret-for-tests"
T = dt.datetime(2026, 3, 10, 8, 15, tzinfo=dt.UTC)
POLICY = CodePolicy(valid_for=dt.timedelta(minutes=30), max_attempts=3, max_sends=2, send_window=dt.timedelta(hours=1))


def _open(engine: sa.Engine) -> str:
    intake = Intake(
        controller="gym",
        land="BY",
        request_types=(RequestType.ACCESS,),
        channel=Channel.PORTAL,
        received_at=T,
        subject=Party(descriptor=Descriptor(email="a@example.org"), email="a@example.org"),
    )
    return casefile.open_case(engine, SECRET, intake, now=T).reference


def _wrong(code: str) -> str:
    return "".join(ALPHABET[(ALPHABET.index(c) + 1) % len(ALPHABET)] for c in code)


def test_codes_are_stored_keyed_hashed(engine: sa.Engine) -> None:
    ref = _open(engine)
    _, issued = casefile.start_email_verification(engine, SECRET, ref, policy=POLICY, now=T)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(codes.c.code_hash)).scalar_one()
    assert issued.code not in stored and stored == keyed_hash(SECRET, "verify_email", issued.code)


def test_wrong_codes_use_up_attempts_even_the_right_one_fails_after(engine: sa.Engine) -> None:
    ref = _open(engine)
    _, issued = casefile.start_email_verification(engine, SECRET, ref, policy=POLICY, now=T)
    for _ in range(POLICY.max_attempts):
        with pytest.raises(CodeRejected, match="wrong code"):
            casefile.confirm_email(engine, SECRET, issued.link, _wrong(issued.code), policy=POLICY, now=T)
    with pytest.raises(CodeRejected, match="too many"):
        casefile.confirm_email(engine, SECRET, issued.link, issued.code, policy=POLICY, now=T)


def test_codes_expire(engine: sa.Engine) -> None:
    ref = _open(engine)
    _, issued = casefile.start_email_verification(engine, SECRET, ref, policy=POLICY, now=T)
    with pytest.raises(CodeRejected, match="no longer valid"):
        casefile.confirm_email(
            engine, SECRET, issued.link, issued.code, policy=POLICY, now=T + dt.timedelta(minutes=31)
        )


def test_resending_is_limited_and_a_new_code_voids_the_old(engine: sa.Engine) -> None:
    ref = _open(engine)
    _, first = casefile.start_email_verification(engine, SECRET, ref, policy=POLICY, now=T)
    _, second = casefile.start_email_verification(engine, SECRET, ref, policy=POLICY, now=T + dt.timedelta(minutes=1))
    with pytest.raises(TooManyRequests):
        casefile.start_email_verification(engine, SECRET, ref, policy=POLICY, now=T + dt.timedelta(minutes=2))
    with pytest.raises(CodeRejected):
        casefile.confirm_email(engine, SECRET, first.link, first.code, policy=POLICY, now=T + dt.timedelta(minutes=2))
    assert (
        casefile.confirm_email(engine, SECRET, second.link, second.code, policy=POLICY, now=T + dt.timedelta(minutes=2))
        == ref
    )
    # an hour later another code may be sent
    casefile.start_email_verification(engine, SECRET, ref, policy=POLICY, now=T + dt.timedelta(minutes=70))


def _dispatched(engine: sa.Engine, max_count: int) -> tuple[str, int]:
    officer = casefile.create_user(engine, "o", "pw", {"gym": ["officer"]}, now=T)
    approver = casefile.create_user(engine, "a", "pw", {"gym": ["approver"]}, now=T)
    ref = _open(engine)
    strong = Candidate(
        reference="P-1",
        store="school",
        key="1",
        evidence=(Evidence("school", IdentifierKind.EMAIL, True),),
        identifiers=frozenset({Identifier(IdentifierKind.EMAIL, "a@example.org")}),
    )
    # the requester entered the code sent to the address, which is on file for P-1: that verifies them
    _, issued = casefile.start_email_verification(engine, SECRET, ref, now=T)
    casefile.confirm_email(engine, SECRET, issued.link, issued.code, now=T)
    casefile.record_candidates(engine, officer, ref, [strong], now=T)
    casefile.confirm_identity(engine, officer, ref, "P-1", now=T)
    casefile.start_gathering(engine, officer, ref, [], now=T)
    casefile.finish_gathering(engine, ref, now=T)
    casefile.prepare(
        engine, officer, ref, Document(filename="a.pdf", media_type="application/pdf", content=b"%PDF"), now=T
    )
    casefile.approve(engine, approver, ref, now=T)
    download = casefile.dispatch_by_download(
        engine, officer, ref, valid_for=dt.timedelta(days=7), max_count=max_count, now=T
    ).token
    return ref, download


def test_downloads_are_counted(engine: sa.Engine) -> None:
    ref, download = _dispatched(engine, max_count=1)
    _, code = casefile.send_download_code(engine, SECRET, download, now=T)
    casefile.fetch_download(engine, SECRET, download, code.id, code.code, now=T)
    with pytest.raises(CodeRejected, match="expired"):  # used up
        casefile.send_download_code(engine, SECRET, download, now=T)
    assert [e.detail["count"] for e in casefile.history(engine, ref) if e.action == "answer downloaded"] == [1]


def test_download_links_carry_an_opaque_token_stored_only_hashed(engine: sa.Engine) -> None:
    ref, token = _dispatched(engine, max_count=1)
    assert len(token) >= 32 and not token.isdigit()
    with engine.connect() as conn:
        stored = conn.execute(sa.select(downloads.c.id, downloads.c.token_hash)).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    for guess in (str(stored.id), stored.token_hash, token[:-1]):
        with pytest.raises(casefile.NotFound):
            casefile.send_download_code(engine, SECRET, guess, now=T)


def test_downloads_expire(engine: sa.Engine) -> None:
    ref, download = _dispatched(engine, max_count=3)
    _, code = casefile.send_download_code(engine, SECRET, download, now=T)
    later = T + dt.timedelta(days=8)
    with pytest.raises(CodeRejected, match="expired"):
        casefile.fetch_download(engine, SECRET, download, code.id, code.code, now=later)
    assert casefile.expire_downloads(engine, now=later) == 1
    assert casefile.expire_downloads(engine, now=later) == 0
    assert "download expired" in [e.action for e in casefile.history(engine, ref)]


@settings(max_examples=200, deadline=None)
@given(
    code=st.text(alphabet=ALPHABET, min_size=8, max_size=8), other=st.text(alphabet=ALPHABET, min_size=8, max_size=8)
)
def test_a_code_matches_itself_in_any_spacing_and_case_and_nothing_else(code: str, other: str) -> None:
    stored = keyed_hash(SECRET, "download", code)
    spaced = f" {code[:4].lower()}-{code[4:]} "
    assert matches(SECRET, "download", spaced, stored)
    assert matches(SECRET, "download", other, stored) == (normalise(other) == code)
    assert not matches(SECRET, "verify_email", code, stored)  # purposes do not mix
    assert not matches(b"another server", "download", code, stored)


def _at_once(count: int, attempt: Callable[[], object]) -> list[object]:
    """``attempt`` from ``count`` threads released together; each result or exception, in any order."""
    start = threading.Barrier(count)

    def run() -> object:
        start.wait()
        try:
            return attempt()
        except Exception as exc:  # noqa: BLE001 — the outcome is what the test looks at
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: run(), range(count)))


def test_twenty_redemptions_of_one_code_at_once_give_exactly_one_success(engine: sa.Engine) -> None:
    ref = _open(engine)
    _, issued = casefile.start_email_verification(engine, SECRET, ref, policy=POLICY, now=T)
    outcomes = _at_once(
        20, lambda: casefile.confirm_email(engine, SECRET, issued.link, issued.code, policy=POLICY, now=T)
    )
    successes = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(successes) == 1
    # the others are refused (or, on SQLite, found the database busy): none is anything else
    assert all(isinstance(o, (CodeRejected, sa.exc.OperationalError)) for o in outcomes if o not in successes)
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(codes).where(codes.c.used_at.is_not(None))).scalar_one()
            == 1
        )


def test_parallel_wrong_guesses_never_get_more_attempts_than_allowed(engine: sa.Engine) -> None:
    ref = _open(engine)
    _, issued = casefile.start_email_verification(engine, SECRET, ref, policy=POLICY, now=T)
    wrong = _wrong(issued.code)
    outcomes = _at_once(20, lambda: casefile.confirm_email(engine, SECRET, issued.link, wrong, policy=POLICY, now=T))
    judged = [o for o in outcomes if isinstance(o, CodeRejected) and "wrong code" in str(o)]
    assert len(judged) <= POLICY.max_attempts
    with engine.connect() as conn:
        assert conn.execute(sa.select(codes.c.attempts)).scalar_one() <= POLICY.max_attempts
    with pytest.raises(CodeRejected, match="too many"):
        casefile.confirm_email(engine, SECRET, issued.link, issued.code, policy=POLICY, now=T)


def test_twenty_downloads_with_one_code_at_once_hand_out_the_answer_once(engine: sa.Engine) -> None:
    _, download = _dispatched(engine, max_count=3)
    _, code = casefile.send_download_code(engine, SECRET, download, now=T)
    outcomes = _at_once(20, lambda: casefile.fetch_download(engine, SECRET, download, code.id, code.code, now=T))
    assert len([o for o in outcomes if not isinstance(o, Exception)]) == 1
    assert all(isinstance(o, (CodeRejected, sa.exc.OperationalError)) for o in outcomes if isinstance(o, Exception))
    with engine.connect() as conn:
        assert conn.execute(sa.select(downloads.c.count)).scalar_one() == 1
