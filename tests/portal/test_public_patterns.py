"""The public form's GOV.UK patterns, the status secret, the child's path and the submission limit.

Oracles are independent of the code under test: Python's own calendar for dates, a hand-written
Crockford alphabet, times computed with zoneinfo from the stored UTC value.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import re
import secrets as random
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import msgspec
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.casefile.codes import keyed_hash, matches_status_secret, new_status_secret
from dsr.casefile.schema import downloads
from dsr.config import Contact, ControllerSettings
from dsr.portal.public import journey
from dsr.portal.public.birth_date import DateProblem, TypedDate, read_birth_date
from dsr.portal.ratelimit import SubmissionLimit
from tests.portal.public_requests import FORM, dispatched, receipt, submit

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = dt.date(2026, 3, 10)

# --------------------------------------------------------------------------- date of birth


def _real(day: int, month: int, year: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@given(day=st.integers(0, 32), month=st.integers(0, 13), year=st.integers(1890, 2030))
@settings(max_examples=500, deadline=None)
def test_a_typed_date_is_accepted_exactly_when_real_past_and_after_1900(day: int, month: int, year: int) -> None:
    got = read_birth_date(TypedDate(str(day), str(month), str(year)), TODAY)
    real = _real(day, month, year)
    if real is None:
        assert got == DateProblem("form.error.date_not_real")
    elif real >= TODAY:
        assert got == DateProblem("form.error.date_future")
    elif real < dt.date(1900, 1, 1):
        assert got == DateProblem("form.error.date_too_early")
    else:
        assert got == real


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (TypedDate("29", "2", "2012"), dt.date(2012, 2, 29)),  # a leap year
        (TypedDate("29", "2", "2011"), DateProblem("form.error.date_not_real")),
        (TypedDate("29", "2", "1900"), DateProblem("form.error.date_not_real")),  # 1900 was no leap year
        (TypedDate("10", "3", "2026"), DateProblem("form.error.date_future")),  # today is not the past
        (TypedDate("", "", ""), None),
        (TypedDate("3", "", "2012"), DateProblem("form.error.date_missing_month")),
        (TypedDate("", "", "2012"), DateProblem("form.error.date_incomplete")),
        (TypedDate("3", "5", "12"), DateProblem("form.error.date_year")),
        (TypedDate("drei", "5", "2012"), DateProblem("form.error.date_not_real")),
        (TypedDate("03", "05", "2012"), dt.date(2012, 5, 3)),
    ],
)
def test_each_date_mistake_has_its_own_message(typed: TypedDate, expected: object) -> None:
    assert read_birth_date(typed, TODAY) == expected


def test_a_date_is_in_the_past_by_the_german_calendar_day(client: Any) -> None:
    """Just after midnight in Berlin it is still yesterday in UTC: today's date is already refused."""
    from dsr.portal.public.intake import RequestForm, check
    from tests.portal.test_public_form import SCHOOL

    just_after_midnight = dt.datetime(2026, 7, 1, 0, 30, tzinfo=BERLIN).astimezone(dt.UTC)
    assert just_after_midnight.date() == dt.date(2026, 6, 30)
    form = RequestForm.from_fields(
        {
            "first_name": "A",
            "last_name": "B",
            "email": "a@example.org",
            "dob_day": "1",
            "dob_month": "7",
            "dob_year": "2026",
        },
        ["access"],
    )
    assert check(form, SCHOOL, received_at=just_after_midnight, max_upload_bytes=10) == {
        "date_of_birth": "form.error.date_future"
    }


@pytest.mark.parametrize(
    ("lang", "day", "month", "year", "message", "anchor"),
    [
        ("de", "5", "", "2012", "Das Geburtsdatum muss einen Monat enthalten.", "dob_month"),
        ("en", "5", "", "2012", "The date of birth must include a month.", "dob_month"),
        ("de", "1", "1", "2099", "Das Geburtsdatum muss in der Vergangenheit liegen.", "dob_day"),
        ("en", "31", "4", "2012", "The date of birth must be a real date.", "dob_day"),
    ],
)
def test_the_error_summary_names_each_field_and_links_to_it(
    client: Any, lang: str, day: str, month: str, year: str, message: str, anchor: str
) -> None:
    form = {k: v for k, v in FORM.items() if k != "date_of_birth"}
    page = client.post(
        f"/{lang}/request/gym-musterstadt",
        data={**form, "first_name": "", "dob_day": day, "dob_month": month, "dob_year": year},
    )
    assert page.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', page.text, re.S)
    assert summary is not None
    links = dict(re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(0)))
    named = "Geben Sie den Vornamen" if lang == "de" else "Enter the first name"
    assert links[anchor] == message and links["first_name"].startswith(named)
    # every link leads to an input on the page, which says it is wrong
    for target in links:
        assert re.search(rf'<input id="{target}"[^>]*aria-invalid="true"', page.text), target
    assert "Bitte ausfüllen." not in page.text and "Please fill in." not in page.text
    # what was typed stays
    assert f'id="dob_day" name="dob_day" type="text" inputmode="numeric" maxlength="2" value="{day}"' in page.text


def test_limits_are_stated_and_enforced_by_the_browser_too(client: Any) -> None:
    page = client.get("/de/request/gym-musterstadt")
    assert 'id="details" name="details" rows="5" maxlength="5000"' in page.text
    assert "Höchstens 5000 Zeichen." in page.text
    assert 'id="first_name" name="first_name" type="text" value="" maxlength="200"' in page.text
    assert "höchstens 5 MB" in page.text
    too_long = submit(client, "en", details="x" * 5001)
    assert too_long.status_code == 400 and "The further details must be 5000 characters or fewer." in too_long.text


# --------------------------------------------------------------------------- status secret

CROCKFORD = set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def test_a_new_status_secret_is_six_groups_of_unambiguous_characters() -> None:
    for _ in range(200):
        secret = new_status_secret()
        groups = secret.split("-")
        assert len(groups) == 6 and all(len(g) == 4 and set(g) <= CROCKFORD for g in groups), secret
        assert not set(secret) & set("ILOU")


@st.composite
def retyped(draw: st.DrawFn, secret: str) -> str:
    """The secret as a person might type it back: any case, O for 0, I or l for 1, no hyphens, spaces."""
    out = []
    for ch in secret:
        if ch == "-":
            out.append(draw(st.sampled_from(["-", "", " "])))
        elif ch == "0":
            out.append(draw(st.sampled_from(["0", "O", "o"])))
        elif ch == "1":
            out.append(draw(st.sampled_from(["1", "I", "i", "l", "L"])))
        else:
            out.append(draw(st.sampled_from([ch, ch.lower()])))
    return "".join(out)


SECRETS = st.lists(st.text(alphabet=sorted(CROCKFORD), min_size=4, max_size=4), min_size=6, max_size=6).map("-".join)


@given(secret=SECRETS, other=SECRETS, data=st.data())
@settings(max_examples=300, deadline=None)
def test_a_status_secret_is_recognised_however_it_is_retyped(secret: str, other: str, data: st.DataObject) -> None:
    key = b"k" * 32
    stored = keyed_hash(key, "status", secret)
    assert matches_status_secret(key, "status", data.draw(retyped(secret)), stored)
    assert matches_status_secret(key, "status", data.draw(retyped(other)), stored) == (other == secret)


@given(
    token=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", min_size=22, max_size=22)
)
@settings(max_examples=200, deadline=None)
def test_secrets_issued_before_the_crockford_format_keep_working(token: str) -> None:
    """Older receipts carry URL-safe base64 (``Br608GDdtO070b0-dlGHog``), where O and 0 differ."""
    key = b"k" * 32
    stored = keyed_hash(key, "status", token)
    assert matches_status_secret(key, "status", token, stored)
    assert matches_status_secret(key, "status", f"  {token} ", stored)


def test_the_status_page_takes_the_secret_as_a_person_types_it(client: Any) -> None:
    reference, secret, _ = receipt(submit(client))
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){5}[0-9A-HJKMNP-TV-Z]{4}", secret)
    typed = secret.replace("-", " ").lower().replace("0", "o").replace("1", "l")
    page = client.post("/de/status", data={"reference": reference.lower(), "secret": typed})
    assert page.status_code == 200 and "Bearbeitungsstand" in page.text


# --------------------------------------------------------------------------- the child's path

SCHOOL_16 = ControllerSettings(
    key="gym",
    name="Gymnasium",
    kind="school",
    land="BE",
    public=True,
    street="Weg 1",
    postal_code="10115",
    city="Berlin",
    email="dsb@gym.example",
    dpo=Contact(name="DSB"),
    signatory=Contact(name="Leitung"),
    pupil_age_of_consent=16,
)


def test_the_age_rule_follows_the_controllers_age_of_consent() -> None:
    fifteen = dt.date(2011, 3, 11)  # 14 on 10 March 2026, one day short of 15
    told = journey.outlook(SCHOOL_16, "self", fifteen, TODAY)
    assert told.delivery == "journey.delivery.to_guardians" and told.age_of_consent == 16
    assert journey.youngest_alone(SCHOOL_16, TODAY) == dt.date(2010, 3, 10)
    parent = journey.outlook(SCHOOL_16, "parent", dt.date(2009, 1, 1), TODAY)
    assert "journey.check.pupil_consent" in parent.checks and parent.delivery == "journey.delivery.requester"


@given(today=st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)), age=st.integers(10, 18))
@settings(max_examples=300, deadline=None)
def test_the_scripts_cut_off_date_agrees_with_the_age_on_every_day(today: dt.date, age: int) -> None:
    """The form's script says "younger than N" exactly for birth dates after the cut-off."""
    school = msgspec.structs.replace(SCHOOL_16, pupil_age_of_consent=age)
    cut = journey.youngest_alone(school, today)

    def years(born: dt.date) -> int:  # the oracle: birthdays counted by hand
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    assert years(cut) >= age and years(cut + dt.timedelta(days=1)) < age


@pytest.mark.parametrize(
    ("lang", "told"),
    [
        ("de", "Weil du jünger als 14 bist, schicken wir die Antwort per Post an deine Eltern."),
        ("en", "Because you are younger than 14, we will send the answer by post to your parents."),
    ],
)
def test_a_child_is_told_on_the_receipt_and_the_status_page_that_the_answer_goes_to_the_parents(
    client: Any, lang: str, told: str
) -> None:
    twelve = dt.date.today().replace(day=1) - dt.timedelta(days=12 * 366)
    page = submit(client, lang, date_of_birth=twelve.isoformat())
    assert page.status_code == 200 and told in page.text
    assert ("Was passiert jetzt?" if lang == "de" else "What happens next?") in page.text
    reference, secret, _ = receipt(page)
    status = client.post(f"/{lang}/status", data={"reference": reference, "secret": secret})
    assert told in status.text
    adult = submit(client, lang, date_of_birth="1990-01-01")
    assert told not in adult.text


# --------------------------------------------------------------------------- codes and downloads


def test_a_wrong_code_says_how_many_attempts_are_left(client: Any) -> None:
    _, _, link = receipt(submit(client))
    page = client.get(f"/de/verify/{link}")
    assert "Jeder Code gilt 30 Minuten und erlaubt 5 Versuche." in page.text
    told = [
        re.search(r"Sie haben noch (\d) Versuch", client.post(f"/de/verify/{link}", data={"code": "AAAA2222"}).text)
        for _ in range(4)
    ]
    assert [int(m.group(1)) for m in told if m] == [4, 3, 2, 1]
    last = client.post(f"/en/verify/{link}", data={"code": "AAAA2222"})
    assert "There are no attempts left with this code." in last.text


def test_the_download_page_states_the_expiry_in_german_time_and_then_the_success(
    client: Any, portal_engine: Any, outbox: Any
) -> None:
    from tests.portal.portal_setup import code_in

    reference, _, _ = receipt(submit(client))
    token = dispatched(portal_engine, reference)
    with portal_engine.connect() as conn:
        ends = conn.execute(sa.select(downloads.c.expires_at)).scalar_one()
    local = ends.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M")
    page = client.get(f"/de/download/{token}")
    assert f"Dieser Link gilt bis {local} Uhr." in page.text and "UTC" not in page.text
    assert "noch 2-mal herunterladen" in page.text
    sent = client.post(f"/de/download/{token}/code")
    code_id = re.search(r'name="code_id" value="(\d+)"', sent.text).group(1)
    got = client.post(f"/de/download/{token}", data={"code_id": code_id, "code": code_in(outbox()[-1])})
    assert got.content == b"%PDF-1.7 the answer"
    after = client.get(f"/en/download/{token}")
    assert "You have downloaded the answer (1 time(s))." in after.text and "1 more time(s)" in after.text


# --------------------------------------------------------------------------- the submission limit


class _Client:
    def __init__(self, host: str) -> None:
        self.scope = {"client": (host, 1)}
        self.client = type("C", (), {"host": host})()
        self.headers: dict[str, str] = {}


@given(outcomes=st.lists(st.booleans(), max_size=30), limit=st.integers(1, 6))
@settings(max_examples=100, deadline=None)
def test_only_accepted_submissions_use_up_the_limit(outcomes: list[bool], limit: int) -> None:
    """A sequence of accepted (True) and sent-back (False) forms from one address: the n-th accepted
    one passes exactly while fewer than ``limit`` were accepted before it; sent-back ones never count."""
    from litestar.exceptions import TooManyRequestsException

    limiter = SubmissionLimit(limit, random.token_bytes(32), None)
    request: Any = _Client("192.0.2.7")

    async def run() -> list[str]:
        seen = []
        for accepted in outcomes:
            try:
                async with limiter.counting(request) as slot:
                    if not accepted:
                        slot.give_back()
                seen.append("ok")
            except TooManyRequestsException:
                seen.append("limited")
        return seen

    # in a thread of its own: a browser test of the same worker may hold a running event loop
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        seen = thread.submit(anyio.run, run).result()
    accepted_before = 0
    for accepted, result in zip(outcomes, seen, strict=True):
        expected = "ok" if accepted_before < limit else "limited"
        assert result == expected
        if accepted and result == "ok":
            accepted_before += 1
