"""The world of the impostor suite (tests/test_impostors.py).

* :func:`serve` — `dsr serve` in a subprocess on a loopback port, with its portal database on SQLite or
  PostgreSQL, beside the session's demo stores, mailing through a real aiosmtpd server (:class:`Sink`);
  jobs run only when the test says (``DSR_PORTAL_WORKER=0``), through :meth:`Site.run_jobs`.
* :class:`People` — the demo school as its store holds it (read from the store, never hard-coded names).
* :class:`Visitor` — someone using the portal over HTTP (httpx): every response they get is kept, and
  :meth:`Visitor.mail` is what reached the addresses they control.
* :class:`Officer` — a diligent officer and approver working through the case file and service API.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import re
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.casepage import CandidateView, candidates_of
from dsr.casefile.schema import identity_checks
from dsr.config import Settings, load
from dsr.demo import DemoSummary
from dsr.pipeline.identify import candidate_reference
from dsr.pipeline.redact import REASONS
from dsr.service import casework
from tests.portal.portal_setup import SMTPSink, code_in, free_port, serving

PASSWORD = "correct horse battery staple, twice"
#: the keys James signs logins with (``[controllers.<key>] james_login_key``): 32+ random characters
SCHOOL_JAMES_KEY = "k7Q2vX9pL4mZ8rT1wB6nY3cH5jF0dS2aG"
VENDOR_JAMES_KEY = "V3nd0r-pR1v4t3-k3Y-9xQ7wE2rT5yU8iO"


# --------------------------------------------------------------------------- mail


class Sink(SMTPSink):
    """Every message the portal's SMTP server accepted, oldest first."""

    def to(self, addresses: Iterable[str], since: int = 0, until: int | None = None) -> list[EmailMessage]:
        wanted = {a.lower() for a in addresses}
        with self.lock:
            return [m for m in self.messages[since:until] if str(m["To"]).strip().lower() in wanted]

    def mark(self) -> int:
        with self.lock:
            return len(self.messages)


@contextlib.contextmanager
def smtp_sink() -> Iterator[Sink]:
    from aiosmtpd.controller import Controller

    sink = Sink("127.0.0.1", free_port())

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            with sink.lock:
                sink.messages.append(message)  # type: ignore[arg-type]
            return "250 OK"

    controller = Controller(Handler(), hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def body_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


# --------------------------------------------------------------------------- the demo school


@dataclass(frozen=True)
class Person:
    """A row of the school's ``person`` table."""

    id: int
    kind: str
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    card_number: str | None
    login_name: str | None
    email: str | None
    phone: str | None
    class_name: str | None
    left_at: dt.date | None
    street: str | None
    postal_code: str | None
    city: str | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age(self, on: dt.date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class GuardianRow:
    """A row of the school's ``guardian`` table (a parent of ``student_id``)."""

    student_id: int
    name: str
    email: str | None
    phone: str | None
    street: str | None
    person_id: int | None

    @property
    def first_name(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def last_name(self) -> str:
        return self.name.split(" ", 1)[1]


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


class People:
    """The school's people and guardian rows, as its store holds them; the suite's picks among them."""

    def __init__(self, store_url: str, today: dt.date) -> None:
        engine = sa.create_engine(store_url)
        try:
            with engine.connect() as conn:
                self.persons = [
                    Person(
                        id=r.id,
                        kind=r.kind,
                        first_name=r.first_name,
                        last_name=r.last_name,
                        date_of_birth=_date(r.date_of_birth),
                        card_number=r.card_number,
                        login_name=r.login_name,
                        email=r.email,
                        phone=r.phone,
                        class_name=r.class_name,
                        left_at=_date(r.left_at),
                        street=r.street,
                        postal_code=r.postal_code,
                        city=r.city,
                    )
                    for r in conn.execute(sa.text("SELECT * FROM person ORDER BY id"))
                ]
                self.guardians = [
                    GuardianRow(r.student_id, r.name, r.email, r.phone, r.street, r.person_id)
                    for r in conn.execute(sa.text("SELECT * FROM guardian ORDER BY id"))
                ]
                self.loans = {
                    r[0]: r[1] for r in conn.execute(sa.text("SELECT person_id, count(*) FROM loan GROUP BY person_id"))
                }
        finally:
            engine.dispose()
        self.today = today

    # ---------------------------------------------------------------- helpers

    def by_id(self, person_id: int) -> Person:
        return next(p for p in self.persons if p.id == person_id)

    def guardians_of(self, person: Person) -> list[GuardianRow]:
        return [g for g in self.guardians if g.student_id == person.id]

    def namesakes_of(self, person: Person) -> list[Person]:
        return [p for p in self.persons if p.id != person.id and p.name.casefold() == person.name.casefold()]

    def is_guardian(self, person: Person) -> bool:
        return any(g.person_id == person.id or (g.email and g.email == person.email) for g in self.guardians)

    def everything_about(self, person: Person) -> dict[str, str]:
        """What the stores hold about ``person`` that must never reach an impostor (label → value)."""
        facts: dict[str, str] = {
            "first name": person.first_name,
            "last name": person.last_name,
        }
        if person.date_of_birth:
            facts["date of birth"] = person.date_of_birth.isoformat()
            facts["date of birth (de)"] = person.date_of_birth.strftime("%d.%m.%Y")
        for label, value in (
            ("card number", person.card_number),
            ("login", person.login_name),
            ("e-mail", person.email),
            ("phone", person.phone),
            ("street", person.street),
            ("postal code", person.postal_code),
            ("class", f"Klasse {person.class_name}" if person.class_name else None),
        ):
            if value:
                facts[label] = value
        for i, g in enumerate(self.guardians_of(person)):
            facts[f"guardian {i}"] = g.name
            if g.email:
                facts[f"guardian {i} e-mail"] = g.email
            if g.street and g.street != person.street:
                facts[f"guardian {i} street"] = g.street
        return facts

    # ---------------------------------------------------------------- the picks

    def pupil(self, featured: int | None = None) -> Person:
        """A current pupil with an e-mail address on file, no namesake, and a guardian row with an e-mail
        address (the demo's featured pupil when it is one)."""

        def fits(p: Person) -> bool:
            return (
                p.kind == "student"
                and p.left_at is None
                and bool(p.email and p.card_number and p.date_of_birth)
                and not self.namesakes_of(p)
                and any(g.email and g.person_id is None for g in self.guardians_of(p))
            )

        if featured is not None and fits(self.by_id(featured)):
            return self.by_id(featured)
        return next(p for p in self.persons if fits(p))

    def parent_of(self, pupil: Person) -> GuardianRow:
        """A guardian row of ``pupil`` with an e-mail address (a parent who is no person of the school)."""
        return next(g for g in self.guardians_of(pupil) if g.email and g.person_id is None)

    def adult(self, *, kinds: tuple[str, ...] = ("guest", "teacher")) -> Person:
        """An adult reader with an e-mail address on file who is nobody's guardian: the one with the
        fewest loans (their answer renders fast; library staff are left out: they are on every loan
        they issued)."""
        adults = [
            p
            for p in self.persons
            if p.kind in kinds
            and p.email
            and p.card_number
            and (self.age(p) or 0) >= 18
            and not self.is_guardian(p)
            and not self.namesakes_of(p)
        ]
        return sorted(adults, key=lambda p: (self.loans.get(p.id, 0), p.id))[0]

    def age(self, p: Person) -> int | None:
        return p.age(self.today)

    def teacher_for(self, pupil: Person) -> Person:
        """A teacher with an e-mail address on file who is not a guardian of ``pupil``."""
        rows = {g.person_id for g in self.guardians_of(pupil)} | {g.email for g in self.guardians_of(pupil)}
        return next(
            p for p in self.persons if p.kind == "teacher" and p.email and p.id not in rows and p.email not in rows
        )

    def namesakes(self) -> tuple[Person, Person]:
        """Two people of the same name born on different days: (the one without an address on file or the
        first, the other)."""
        for p in self.persons:
            for other in self.namesakes_of(p):
                if p.date_of_birth != other.date_of_birth and other.email:
                    return p, other
        raise AssertionError("the demo has no namesakes")

    def siblings(self) -> tuple[Person, Person]:
        """Two pupils with a guardian row with the same e-mail address, each with their own address on file."""
        for a in self.persons:
            for b in self.persons:
                if a.id >= b.id or a.kind != "student" or b.kind != "student" or not (a.email and b.email):
                    continue
                if {g.email for g in self.guardians_of(a)} & {g.email for g in self.guardians_of(b)}:
                    return a, b
        raise AssertionError("the demo has no siblings")

    def other_parent(self, pupil: Person) -> GuardianRow:
        """A parent on the guardian rows of another pupil only (never of ``pupil``)."""
        mine = {g.email for g in self.guardians_of(pupil)}
        return next(
            g
            for g in self.guardians
            if g.email and g.person_id is None and g.student_id != pupil.id and g.email not in mine
        )

    def former_pupil(self) -> Person:
        return next(p for p in self.persons if p.kind == "student" and p.left_at is not None)

    def unused_card(self) -> str:
        """A card number in the school's format that nobody holds."""
        cards = {p.card_number for p in self.persons}
        return next(c for n in range(9_999_999, 0, -1) if (c := f"L{n:07d}") not in cards)


# --------------------------------------------------------------------------- the site


@dataclass
class Site:
    """The portal as served, its database (the officer's side) and its mail server."""

    url: str
    settings: Settings
    engine: sa.Engine
    sink: Sink
    demo: DemoSummary
    school: str
    vendor: str
    people: People
    officer: casefile.User
    approver: casefile.User

    def run_jobs(self) -> list[casefile.Job]:
        """Run every due job now (the tests' worker)."""
        done = []
        handlers = casework.handlers(self.settings)
        while (job := casefile.run_next(self.engine, handlers)) is not None:
            done.append(job)
        return done

    def case_count(self) -> int:
        from dsr.casefile.schema import cases

        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one())

    def references_of(self, person: Person) -> set[str]:
        """The candidate reference of ``person``'s row in the school store: as the SQL connector makes it
        today (unkeyed), or keyed with ``[dsr] secret_key`` (as the James login check names the row)."""
        key = str(person.id)
        return {
            candidate_reference(self.school, "school", key),
            candidate_reference(self.school, "school", key, self.settings.dsr.secret_key.encode()),
        }

    def portal(self) -> Any:
        """The portal's context in this process (what the officer pages use to mail notices)."""
        from dsr.portal.context import Portal

        return Portal.from_settings(self.settings, engine=self.engine)


def _config(demo: DemoSummary, database_url: str, port: int, sink: Sink, school: str, vendor: str) -> Path:
    text = demo.config.read_text(encoding="utf-8")
    for key, james_key in ((school, SCHOOL_JAMES_KEY), (vendor, VENDOR_JAMES_KEY)):
        head = f"[controllers.{key}]\n"
        assert head in text
        text = text.replace(head, f'{head}james_login_key = "{james_key}"\n', 1)
    config = demo.config.with_name(f"dsr-impostors-{uuid.uuid4().hex[:8]}.toml")
    config.write_text(
        text + f'\n[portal]\ndatabase_url = "{database_url}"\nbase_url = "http://127.0.0.1:{port}"\n'
        # every visitor comes from 127.0.0.1: the per-address limits would stop the suite, not an impostor
        "\n[portal.rate_limits]\nsubmissions_per_hour = 100000\ncode_attempts_per_hour = 100000\n"
        "downloads_per_hour = 100000\n"
        f'\n[portal.mail]\nbackend = "smtp"\nhost = "{sink.host}"\nport = {sink.port}\nsender = "dsr@example.org"\n',
        encoding="utf-8",
    )
    return config


@contextlib.contextmanager
def serve(demo: DemoSummary, database_url: str, folder: Path) -> Iterator[Site]:
    """The portal on ``database_url`` beside the demo stores, over a socket, with a real SMTP server."""
    school = next(k for k, c in demo.controllers.items() if c.kind == "school")
    vendor = next(k for k, c in demo.controllers.items() if c.kind == "vendor")
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(smtp_sink())
        port = free_port()
        config = _config(demo, database_url, port, sink, school, vendor)
        stack.callback(config.unlink, missing_ok=True)
        settings = load(config)
        casefile.upgrade(settings.portal_database_url)
        engine = casefile.open_engine(settings.portal_database_url)
        stack.callback(engine.dispose)
        officer = casefile.create_user(engine, "officer", PASSWORD, {school: ["officer"]})
        approver = casefile.create_user(engine, "approver", PASSWORD, {school: ["officer", "approver"]})
        with pytest.MonkeyPatch.context() as env:
            env.setenv("DSR_PORTAL_WORKER", "0")  # jobs run where the test says (Site.run_jobs)
            url = stack.enter_context(serving(config, port, folder))
        store = settings.controller(school).stores["school"]["url"]
        people = People(store.replace("sqlite:///", f"sqlite:///{demo.folder}/", 1), dt.date.today())
        yield Site(url, settings, engine, sink, demo, school, vendor, people, officer, approver)


# --------------------------------------------------------------------------- visitors


@dataclass
class Seen:
    """One response a visitor got, with what they had typed into that request (field → value)."""

    what: str
    status: int
    text: str
    typed: dict[str, str] = field(default_factory=dict)


@dataclass
class Receipt:
    reference: str
    secret: str
    verify_link: str | None
    page: Seen


FORM_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "card_number",
    "requester_first_name",
    "requester_last_name",
    "email",
    "postal_address",
    "details",
    "james_login",
)


@dataclass
class Visitor:
    """Someone on the portal's public side; ``addresses`` are the mailboxes they can read.

    ``seen`` keeps every response they got; ``secrets`` the values the portal handed them that differ
    from one request to the next (reference, status secret, link tokens, codes), for comparing runs."""

    site: Site
    addresses: set[str]
    seen: list[Seen] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)
    since: int = 0
    until: int | None = None  #: set when the visitor leaves: later mail is somebody else's

    def __post_init__(self) -> None:
        self.addresses = {a.lower() for a in self.addresses}
        self.http = httpx.Client(base_url=self.site.url, timeout=30, follow_redirects=False)
        self.since = self.site.sink.mark()

    def close(self) -> None:
        """Leave: the mailboxes are read up to now."""
        self.http.close()
        self.until = self.site.sink.mark()

    def remember(self, value: str | None, label: str) -> None:
        if value:
            self.secrets[value] = label

    def _keep(self, what: str, response: httpx.Response, typed: dict[str, str] | None = None) -> Seen:
        content_type = response.headers.get("content-type", "")
        text = response.text if ("text" in content_type or "json" in content_type) else repr(response.content[:4096])
        seen = Seen(what, response.status_code, text, {k: v for k, v in (typed or {}).items() if v})
        self.seen.append(seen)
        return seen

    def get(self, path: str, what: str | None = None) -> Seen:
        return self._keep(what or f"GET {path}", self.http.get(path))

    def submit(
        self,
        form: dict[str, str],
        *,
        controller: str | None = None,
        upload: tuple[str, bytes, str] | None = None,
        lang: str = "de",
    ) -> Receipt | Seen:
        """POST the request form (multipart when there is an upload); the receipt, or the page when refused."""
        controller = controller or self.site.school
        data: dict[str, Any] = {"types": ["access", "copy"], **form}
        files = {"authorisation": upload} if upload is not None else None
        typed = {k: str(v) for k, v in form.items() if k in FORM_FIELDS}
        response = self.http.post(f"/{lang}/request/{controller}", data=data, files=files)
        seen = self._keep(f"POST /{lang}/request/{controller}", response, typed)
        if response.status_code != 200 or 'id="reference"' not in response.text:
            return seen
        reference = re.search(r'id="reference">([^<]+)<', response.text)
        secret = re.search(r'id="status-secret">([^<]+)<', response.text)
        link = re.search(r'/verify/([A-Za-z0-9_-]{32})"', response.text)
        assert reference and secret
        receipt = Receipt(reference.group(1), secret.group(1), link.group(1) if link else None, seen)
        self.remember(receipt.reference, "<reference>")
        self.remember(receipt.secret, "<status secret>")
        self.remember(receipt.verify_link, "<verification link>")
        return receipt

    def verify(self, link: str, code: str, lang: str = "de") -> Seen:
        self.remember(code, "<code>")
        self.get(f"/{lang}/verify/{link}", f"GET /{lang}/verify/<link>")
        return self._keep(
            f"POST /{lang}/verify/<link>", self.http.post(f"/{lang}/verify/{link}", data={"code": code}), {"code": code}
        )

    def status(self, receipt: Receipt, lang: str = "de") -> Seen:
        """The status page and the status API, as the holder of the reference and secret sees them."""
        page = self._keep(
            f"POST /{lang}/status",
            self.http.post(f"/{lang}/status", data={"reference": receipt.reference, "secret": receipt.secret}),
        )
        self._keep(
            "POST /api/public/status",
            self.http.post(
                f"/api/public/status?lang={lang}",
                json={"reference": receipt.reference, "status_secret": receipt.secret},
            ),
        )
        return page

    def api(self, path: str, body: dict[str, Any], what: str | None = None) -> Seen:
        typed = {k: str(v) for k, v in body.items() if k in (*FORM_FIELDS, "code") and isinstance(v, str)}
        return self._keep(what or f"POST {path}", self.http.post(path, json=body), typed)

    def mail(self) -> list[EmailMessage]:
        """Every message that reached one of the visitor's mailboxes since they arrived."""
        return self.site.sink.to(self.addresses, self.since, self.until)

    def wait_for_mail(self, count: int = 1) -> list[EmailMessage]:
        deadline = time.monotonic() + 15
        while len(mine := self.mail()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} message(s) expected in {sorted(self.addresses)}, got {len(mine)}")
            time.sleep(0.05)
        return mine

    def code_from_mail(self, count: int = 1) -> str:
        """The code in the ``count``-th message to the visitor (waits for it)."""
        code = code_in(self.wait_for_mail(count)[count - 1])
        self.remember(code, "<code>")
        return code

    def download(self, link: str) -> bytes:
        """Fetch the answer from a download notice's link: a code to the verified address, then the file."""
        token = link.rstrip("/").rsplit("/", 1)[1]
        self.remember(token, "<download link>")
        self.get(f"/de/download/{token}", "GET /de/download/<token>")
        before = len(self.mail())
        sent = self.http.post(f"/api/public/downloads/{token}/code")
        self._keep("POST /api/public/downloads/<token>/code", sent)
        assert sent.status_code == 200, sent.text
        code = self.code_from_mail(before + 1)
        got = self.http.post(f"/api/public/downloads/{token}", json={"code_id": sent.json()["code_id"], "code": code})
        assert got.status_code == 200, got.text
        return got.content


# --------------------------------------------------------------------------- the officer


@dataclass
class Officer:
    """A diligent officer (and, for four eyes, the approver) working through the case file and service API."""

    site: Site

    @property
    def user(self) -> casefile.User:
        return self.site.officer

    def search(self, reference: str) -> list[CandidateView]:
        """The candidates of the case: the queued search job when the requester confirmed an address,
        else the officer's own search ("find candidates")."""
        self.site.run_jobs()
        case_id = casework.case_by_reference(self.site.engine, reference).id
        searched = any(j.kind == "find_candidates" for j in casefile.jobs_of_case(self.site.engine, case_id))
        if not searched and self.state(reference) is casefile.CaseState.RECEIVED:
            casework.find_candidates(self.site.engine, self.site.settings, reference, user=self.user)
        return candidates_of(self.site.engine, self.user, reference)

    def state(self, reference: str) -> casefile.CaseState:
        return casefile.get_case(self.site.engine, self.user, reference).state

    def refused(self, action: Any, *args: Any, **kwargs: Any) -> casefile.CaseError | None:
        """Run ``action``; the refusal it raised (a case error, a rejected input, the case work's own),
        or None when it went through."""
        try:
            action(*args, **kwargs)
        except (casefile.CaseError, casefile.InputRejected, casework.CaseworkError) as exc:
            return exc  # type: ignore[return-value]
        return None

    def confirm(self, reference: str, candidate: str) -> casefile.CaseError | None:
        return self.refused(casefile.confirm_identity, self.site.engine, self.user, reference, candidate)

    def start_gathering(self, reference: str) -> casefile.CaseError | None:
        return self.refused(casework.start_gathering, self.site.engine, self.site.settings, self.user, reference)

    def approve(self, reference: str) -> casefile.CaseError | None:
        return self.refused(casefile.approve, self.site.engine, self.site.approver, reference)

    def dispatch_by_download(self, reference: str) -> casefile.CaseError | None:
        return self.refused(casefile.dispatch_by_download, self.site.engine, self.user, reference)

    def plan(self, reference: str) -> casefile.DeliveryPlan:
        return casefile.plan_of(self.site.engine, self.user, reference)

    def checks(self, reference: str) -> list[tuple[str, str]]:
        """(method, candidate) of every identity check recorded on the case."""
        case_id = casework.case_by_reference(self.site.engine, reference).id
        with self.site.engine.connect() as conn:
            return [
                (r.method, r.candidate)
                for r in conn.execute(
                    sa.select(identity_checks.c.method, identity_checks.c.candidate)
                    .where(identity_checks.c.case_id == case_id)
                    .order_by(identity_checks.c.id)
                )
            ]

    def gather(self, reference: str) -> None:
        """Start gathering and let the job finish: the case is in review."""
        refused = self.start_gathering(reference)
        assert refused is None, refused
        self.site.run_jobs()
        assert self.state(reference) is casefile.CaseState.REVIEW, self.state(reference)

    def prepare(self, reference: str) -> None:
        """Decide every open review item (redact) and render the final answer for approval."""
        engine, settings = self.site.engine, self.site.settings
        for entry in casework.review_entries(engine, self.user, reference):
            if entry.decision is None:
                casework.decide_items(engine, self.user, reference, entry.id, "redact", next(iter(REASONS)))
        casework.render_answer(engine, settings, self.user, reference)
        assert self.state(reference) is casefile.CaseState.PREPARED

    def offer_download(self, reference: str) -> list[str]:
        """Dispatch by download as the officer pages do (the notice goes to the case's contact address);
        returns whom the notice was mailed to."""
        from dsr.portal.officer.notify import offer_download

        before = self.site.sink.mark()
        offer_download(self.site.portal(), self.user, reference)
        with self.site.sink.lock:
            sent = self.site.sink.messages[before:]
        return [str(m["To"]) for m in sent if reference in body_of(m)]
