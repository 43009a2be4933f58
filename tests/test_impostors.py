"""Impostors against the real portal (issue #11; docs/identity.md "What an impostor gets").

Each scenario is an outsider who knows what classmates know — name, birth date, class, card number,
parents' names, the school — trying one way in: the self route with their own address, a look-alike
or typo'd domain of the victim's address, the victim's own address, the parent's route, a
representative's route with an upload that proves nothing, a namesake, a sibling, a former pupil's
new address, a teacher, an ex-partner, and James logins that are forged, tampered with, expired,
replayed or for another controller.

They use the portal as anybody can: over HTTP (`dsr serve` in a subprocess, its database on SQLite and
on PostgreSQL, the demo school's stores), reading only the mailboxes they control on a real SMTP server.
A diligent officer then takes each case as far as the system lets it go through the case file and the
service API: runs the search for the person, tries to confirm the victim's candidate, to gather, to
approve and to offer a download, and looks at the delivery plan. The impostor then checks the status
page again. Every scenario is played twice: against the real person and against a phantom nobody
holds, and the impostor's two transcripts — every response body, every message to their mailboxes —
must be the same up to what they typed and the references, secrets and codes the portal handed them.
That is "not whether the person exists". Beyond it, no response and no mail may carry anything the
stores hold about the victim that the impostor did not type themselves.

The genuine people still get their answers: the reader verified by a code to their address on file,
a young pupil (through the guardians, by post), a parent whose address is on the child's guardian row,
a representative whose authorisation an officer examined (with a delivery decision a second person
approved), and a reader coming from James with a valid login.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import difflib
import enum
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from pypdf import PdfReader

from dsr import casefile
from dsr.casefile.delivery import Basis
from dsr.casefile.delivery import Route as Delivery
from dsr.casefile.documents import latest_document_id, read_document
from dsr.demo import DemoSummary
from dsr.signin import sign_login
from tests.databases import DIALECTS, fresh_database
from tests.impostors_world import (
    SCHOOL_JAMES_KEY,
    VENDOR_JAMES_KEY,
    GuardianRow,
    Officer,
    Person,
    Receipt,
    Seen,
    Site,
    Visitor,
    body_of,
    serve,
)

pytestmark = pytest.mark.slow

#: what a 29-byte "authorisation" looks like to the upload check: a file that starts with %PDF-
FAKE_PDF = b"%PDF-1.4\n%Vollmacht!\n%%EOF\n\n\n"
#: a JPEG's first bytes and nothing of a signature
FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
assert len(FAKE_PDF) == 29


@pytest.fixture(scope="module", params=[d for d in ("sqlite", "postgresql") if d in DIALECTS])
def site(request: pytest.FixtureRequest, demo: DemoSummary, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The portal over a socket, its database on each dialect in turn, beside the demo school."""
    folder = tmp_path_factory.mktemp(f"impostors-{request.param}")
    database = fresh_database(request.param, folder)
    url = next(database)
    try:
        with serve(demo, url, folder) as served:
            yield served
    finally:
        next(database, None)  # drops the PostgreSQL database


# --------------------------------------------------------------------------- whom the impostor names


@dataclass(frozen=True)
class Target:
    """Whom the impostor names: the real ``person`` of the school, or a phantom nobody holds."""

    person: Person
    parent: GuardianRow | None  #: a guardian row of the person with an e-mail address
    real: bool


def _born_alike(site: Site, born: dt.date) -> dt.date:
    """Three years and a month away (no near miss), on the same side of the age of consent and of
    adulthood: the portal tells a child what happens from the date they type ("Weil du jünger als
    14 bist …"), which is what the impostor typed, not what the school holds."""
    consent = site.settings.controller(site.school).pupil_age_of_consent
    today = site.people.today

    def bracket(day: dt.date) -> tuple[bool, bool]:
        age = today.year - day.year - ((today.month, today.day) < (day.month, day.day))
        return age < consent, age < 18

    for days in (-1111, 1111, -2222, 2222):
        other = born + dt.timedelta(days=days)
        if bracket(other) == bracket(born):
            return other
    return born - dt.timedelta(days=1111)


def aim(site: Site, victim: Person, real: bool, *, same_name: bool = False) -> Target:
    """The victim, or a phantom of the same shape (``same_name``: a namesake born on another day)."""
    guardian = next((g for g in site.people.guardians_of(victim) if g.email and g.person_id is None), None)
    if real:
        return Target(victim, guardian, True)
    nobody = site.demo.featured(site.school, "nobody")
    assert nobody.first_name and nobody.last_name and nobody.email
    assert not [p for p in site.people.persons if p.last_name == nobody.last_name]
    local = nobody.email.split("@")[0]
    born = victim.date_of_birth or dt.date(1980, 5, 5)
    phantom = dataclasses.replace(
        victim,
        id=-1,
        first_name=victim.first_name if same_name else nobody.first_name,
        last_name=victim.last_name if same_name else nobody.last_name,
        date_of_birth=_born_alike(site, born),
        card_number=site.people.unused_card() if victim.card_number else None,
        login_name=None,
        email=f"{local}@{victim.email.split('@')[1]}" if victim.email else None,
        phone=None,
        street="Amselweg 3",
        postal_code="93047",
        city="Regensburg",
    )
    parent = GuardianRow(-1, f"Ortrun {nobody.last_name}", f"ortrun.{local}@example.net", None, None, None)
    return Target(phantom, parent if guardian else None, False)


def about(p: Person, *, born: bool = True, card: bool = True) -> dict[str, str]:
    """What a classmate knows of ``p``, as the form's fields about the person."""
    form = {"first_name": p.first_name, "last_name": p.last_name}
    if born and p.date_of_birth:
        form["date_of_birth"] = p.date_of_birth.isoformat()
    if card and p.card_number:
        form["card_number"] = p.card_number
    return form


def look_alike(address: str) -> str:
    """The same address at a domain that reads alike: m → rn (gmx.de → grnx.de), else l → 1."""
    local, domain = address.split("@")
    for a, b in (("m", "rn"), ("l", "1"), ("o", "0"), ("e", "c")):
        if a in domain:
            return f"{local}@{domain.replace(a, b, 1)}"
    raise AssertionError(f"no look-alike for {domain}")


def typo(address: str) -> str:
    """The same address at a domain with two letters swapped (gmx.de → gxm.de)."""
    local, domain = address.split("@")
    name = domain.split(".")[0]
    swapped = next(i for i in range(len(name) - 1) if name[i] != name[i + 1] and name[i].isalpha())
    chars = list(domain)
    chars[swapped], chars[swapped + 1] = chars[swapped + 1], chars[swapped]
    return f"{local}@{''.join(chars)}"


# --------------------------------------------------------------------------- the officer's part


class Route(enum.Enum):
    """How the impostor asks, and what must stop a parent or representative once the officer confirmed."""

    SELF = ("self", None)
    PARENT_OF_CHILD = ("parent", "guardian_unverified")
    PARENT_OF_ADULT = ("parent", "written_authorisation_missing")
    REPRESENTATIVE_OF_CHILD = ("representative", "legal_representation_missing")
    REPRESENTATIVE_OF_ADULT = ("representative", "written_authorisation_missing")

    @property
    def refusal(self) -> str | None:
        return self.value[1]


def diligent_officer(site: Site, reference: str, target: Target, route: Route) -> list[str]:
    """Take the case as far as the system lets an officer who does nothing wrong; returns every step
    that went through where it must not (empty: the impostor got nowhere)."""
    officer = Officer(site)
    breaches: list[str] = []
    found = officer.search(reference)
    mine = [c for c in found if target.real and c.reference in site.references_of(target.person)]
    if target.real:
        assert mine, f"the search did not find the person the impostor named ({len(found)} candidates)"
    for candidate in mine:
        if route is Route.SELF:
            if candidate.may_confirm or candidate.verified_by:
                breaches.append(f"the case page offers to confirm the victim (verified by {candidate.verified_by})")
            refused = officer.confirm(reference, candidate.reference)
            if refused is None:
                breaches.append("confirm_identity went through for the victim on a self request")
            else:
                assert refused.code == "not_verified", refused
            continue
        refused = officer.confirm(reference, candidate.reference)
        if refused is not None:  # several people match: nothing names this one
            assert refused.code == "not_discriminated", refused
            continue
        # a parent or representative is confirmed as the person they name; their standing is a need
        gathering = officer.start_gathering(reference)
        if gathering is None:
            site.run_jobs()
            draft = latest_document_id(site.engine, officer.user, reference, "draft")
            breaches.append(
                f"start_gathering went through for a {route.value[0]} whose standing nobody established "
                f"(needs {casefile.requirements_of(site.engine, officer.user, reference).open}); the case is "
                f"{officer.state(reference).value} and holds {'a' if draft else 'no'} draft answer with the victim's data"
            )
        else:
            assert gathering.code == route.refusal, gathering
    approved = officer.approve(reference)
    if approved is None:
        breaches.append("the answer was approved")
    dispatched = officer.dispatch_by_download(reference)
    if dispatched is None:
        breaches.append("the answer was offered for download")
    plan = officer.plan(reference)
    if plan.electronic or plan.route is Delivery.DOWNLOAD:
        breaches.append(f"the delivery plan sends electronically ({plan.basis}) to the impostor's address")
    if latest_document_id(site.engine, officer.user, reference, "answer") is not None:
        breaches.append("an answer was prepared")
    return breaches


# --------------------------------------------------------------------------- an attempt, and its checks


@dataclass
class Attempt:
    impostor: Visitor
    victim: Person  #: the real person the impostor is after
    target: Target  #: whom they named this time (the victim, or the phantom)
    receipts: list[Receipt] = field(default_factory=list)
    breaches: list[str] = field(default_factory=list)
    cases_opened: int = 0


def attempt(site: Site, victim: Person, target: Target, *addresses: str) -> Attempt:
    return Attempt(Visitor(site, set(addresses)), victim, target, cases_opened=site.case_count())


def carry_on(site: Site, a: Attempt, receipt: Receipt | Seen, route: Route, *, verify: bool = True) -> Attempt:
    """The impostor verifies (when the code reached them) and looks at the status; the officer works the
    case; the impostor looks at the status again, in both languages."""
    assert isinstance(receipt, Receipt), f"the request was not taken: {receipt.status}"
    a.receipts.append(receipt)
    contact = receipt.page.typed.get("email", "").lower()
    if verify and receipt.verify_link is not None and contact in a.impostor.addresses:
        a.impostor.verify(receipt.verify_link, a.impostor.code_from_mail())
    a.impostor.status(receipt)
    a.breaches += diligent_officer(site, receipt.reference, a.target, route)
    a.impostor.status(receipt)
    a.impostor.status(receipt, lang="en")
    return a


def refused_without_a_case(site: Site, a: Attempt, page: Receipt | Seen) -> Attempt:
    """A James login the portal refused: the form again, saying only that the login is not valid; no case."""
    assert isinstance(page, Seen) and page.status == 400, "the login was accepted"
    assert "Ihre Anmeldung bei James ist nicht mehr gültig" in page.text
    if site.case_count() != a.cases_opened:
        a.breaches.append("a case was opened on a refused James login")
    return a


#: words that would tell the impostor what the search found (none of them is on a public page)
TELLING = re.compile(
    r"nicht gefunden|not found|nicht bekannt|keine Person|kein Treffer|Treffer|Datens[äa]tze|Einträge|"
    r"no such person|nobody|no match|\brecords?\b|\bentries\b|Ja, wir verarbeiten|we process|"
    r"\bP-[0-9A-F]{12}\b|\u2022\u2022\u2022|%PDF",
    re.I,
)


def typed_by(v: Visitor) -> dict[str, str]:
    """Everything the visitor typed, value → field (what they knew already)."""
    return {value: name for seen in v.seen for name, value in seen.typed.items() if len(value) >= 3}


_DATE_PART = re.compile(r'(name="dob_(?:day|month|year)"[^>]*value=")[^"]*"')


def _typed_date(text: str) -> str:
    """A form sent back shows the typed date of birth in its three fields (what the visitor typed,
    split: too short to find as a whole word)."""
    return _DATE_PART.sub(r'\1<date_of_birth>"', text)


_FORM_KEY = re.compile(r'(name="idempotency_key"[^>]*value=")[^"]*"')


def _issued_key(text: str) -> str:
    """Each form page carries a fresh random idempotency key (a resubmission without a receipt opens
    no second case): random for every visitor alike, so it says nothing about the person."""
    return _FORM_KEY.sub(r'\1<idempotency_key>"', text)


def _without(text: str, values: dict[str, str]) -> str:
    """``text`` with each of ``values`` (as a whole word, also JSON-escaped) replaced by its name."""
    for value in sorted(values, key=len, reverse=True):
        for form in dict.fromkeys((value, json.dumps(value)[1:-1])):
            text = re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", f"<{values[value]}>", text)
    return text


def leaks(site: Site, a: Attempt) -> list[str]:
    """What reached the impostor that the stores hold about the victim and they had not typed themselves,
    and any word about what the search found."""
    typed = typed_by(a.impostor)
    known = [t.casefold() for t in typed]
    facts = {
        label: value
        for label, value in site.people.everything_about(a.victim).items()
        if not any(value.casefold() in t for t in known)
    }
    found = []
    answers = [(s.what, s.text) for s in a.impostor.seen]
    answers += [(f"mail {m['Subject']}", f"{m['Subject']}\n{body_of(m)}") for m in a.impostor.mail()]
    for what, text in answers:
        found += [f"{what}: the victim's {label}" for label, value in facts.items() if value in text]
        found += [f"{what}: {m.group(0)!r}" for m in TELLING.finditer(_without(text, typed))]
    return found


def transcript(v: Visitor) -> list[str]:
    """The visitor's responses and mail, with what they typed and what the portal issued them replaced by names."""
    names = {**typed_by(v), **{value: label.strip("<>") for value, label in v.secrets.items()}}
    lines = [f"{s.what} → {s.status}\n{_without(_issued_key(_typed_date(s.text)), names)}" for s in v.seen]
    lines += [f"mail: {_without(str(m['Subject']), names)}\n{_without(body_of(m), names)}" for m in v.mail()]
    return lines


def indistinguishable(real: Attempt, phantom: Attempt) -> list[str]:
    """Where the impostor's transcript for the real person differs from the one for the phantom."""
    a, b = transcript(real.impostor), transcript(phantom.impostor)
    if len(a) != len(b):
        return [f"{len(a)} responses and mails for the real person, {len(b)} for the phantom"]
    out = []
    for x, y in zip(a, b, strict=True):
        if x != y:
            diff = [
                d
                for d in difflib.unified_diff(y.splitlines(), x.splitlines(), "phantom", "real", n=0, lineterm="")
                if not d.startswith("@@")
            ]
            out.append(x.splitlines()[0] + "\n" + "\n".join(diff[:12]))
    return out


# --------------------------------------------------------------------------- the scenarios

Play = Callable[[Site, bool], Attempt]
SCENARIOS: dict[str, Play] = {}


def scenario(play: Play) -> Play:
    SCENARIOS[play.__name__] = play
    return play


@scenario
def classmate_with_own_address(site: Site, real: bool) -> Attempt:
    """Self route: a classmate types the pupil's name, birth date and card number and their own address."""
    victim = site.people.pupil()
    a = attempt(site, victim, target := aim(site, victim, real), "klassenkamerad@example.org")
    form = {"acting": "self", **about(target.person), "email": "klassenkamerad@example.org"}
    return carry_on(site, a, a.impostor.submit(form), Route.SELF)


@scenario
def look_alike_domain(site: Site, real: bool) -> Attempt:
    """Self route with the victim's address at a look-alike domain the impostor registered (m → rn)."""
    victim = site.people.pupil()
    target = aim(site, victim, real)
    address = look_alike(str(target.person.email))
    a = attempt(site, victim, target, address)
    form = {"acting": "self", **about(target.person), "email": address}
    return carry_on(site, a, a.impostor.submit(form), Route.SELF)


@scenario
def typo_domain(site: Site, real: bool) -> Attempt:
    """Self route with the adult victim's address at a typo'd domain the impostor holds."""
    victim = site.people.adult()
    target = aim(site, victim, real)
    address = typo(str(target.person.email))
    a = attempt(site, victim, target, address)
    form = {"acting": "self", **about(target.person), "email": address}
    return carry_on(site, a, a.impostor.submit(form), Route.SELF)


@scenario
def the_victims_own_address(site: Site, real: bool) -> Attempt:
    """Self route with the victim's exact address: the code goes to the victim; the impostor guesses."""
    victim = site.people.pupil()
    target = aim(site, victim, real)
    a = attempt(site, victim, target, "rater@example.org")
    before = site.sink.mark()
    receipt = a.impostor.submit({"acting": "self", **about(target.person), "email": str(target.person.email)})
    assert isinstance(receipt, Receipt) and receipt.verify_link
    assert len(site.sink.to([str(target.person.email)], before)) == 1  # the code went to the victim's mailbox
    for guess in ("AAAA2222", "BBBB3333", "CCCC4444", "DDDD5555", "EEEE6666", "FFFF7777"):
        refused = a.impostor.verify(receipt.verify_link, guess)
        assert refused.status == 400
    carry_on(site, a, receipt, Route.SELF, verify=False)
    assert a.impostor.mail() == []  # the code mail never reached the impostor
    return a


@scenario
def parent_with_own_address(site: Site, real: bool) -> Attempt:
    """Parent's route: claims to be the mother (a name of their choice) with their own address."""
    victim = site.people.pupil()
    target = aim(site, victim, real)
    a = attempt(site, victim, target, "mutter.erfunden@example.org")
    form = {
        "acting": "parent",
        **about(target.person),
        "requester_first_name": "Petra",
        "requester_last_name": target.person.last_name,
        "email": "mutter.erfunden@example.org",
    }
    return carry_on(site, a, a.impostor.submit(form), Route.PARENT_OF_CHILD)


@scenario
def parent_with_the_real_parents_name(site: Site, real: bool) -> Attempt:
    """Parent's route: the real parent's name (classmates know it), the impostor's own address."""
    victim = site.people.pupil()
    target = aim(site, victim, real)
    assert target.parent is not None
    a = attempt(site, victim, target, "papa.privat@example.org")
    form = {
        "acting": "parent",
        **about(target.person),
        "requester_first_name": target.parent.first_name,
        "requester_last_name": target.parent.last_name,
        "email": "papa.privat@example.org",
    }
    return carry_on(site, a, a.impostor.submit(form), Route.PARENT_OF_CHILD)


@scenario
def parent_with_the_real_parents_address(site: Site, real: bool) -> Attempt:
    """Parent's route: the real parent's name and address — the code goes to the real parent."""
    victim = site.people.pupil()
    target = aim(site, victim, real)
    assert target.parent is not None and target.parent.email
    a = attempt(site, victim, target, "mitleser@example.org")
    form = {
        "acting": "parent",
        **about(target.person),
        "requester_first_name": target.parent.first_name,
        "requester_last_name": target.parent.last_name,
        "email": target.parent.email,
    }
    carry_on(site, a, a.impostor.submit(form), Route.PARENT_OF_CHILD)
    assert a.impostor.mail() == []  # the code went to the real parent
    return a


@scenario
def parent_posing_as_the_child(site: Site, real: bool) -> Attempt:
    """Self route: the real parent, with the address on the guardian row, claims to be the child."""
    victim = site.people.pupil()
    target = aim(site, victim, real)
    assert target.parent is not None and target.parent.email
    parent = site.people.parent_of(victim)  # the same parent asks in both runs
    a = attempt(site, victim, target, str(parent.email))
    form = {"acting": "self", **about(target.person), "email": str(parent.email)}
    return carry_on(site, a, a.impostor.submit(form), Route.SELF)


@scenario
def parent_of_another_pupil(site: Site, real: bool) -> Attempt:
    """Parent's route: a real parent, verified by the address on *her own* child's guardian row."""
    victim = site.people.pupil()
    target = aim(site, victim, real)
    other = site.people.other_parent(victim)
    a = attempt(site, victim, target, str(other.email))
    form = {
        "acting": "parent",
        **about(target.person),
        "requester_first_name": other.first_name,
        "requester_last_name": other.last_name,
        "email": str(other.email),
    }
    return carry_on(site, a, a.impostor.submit(form), Route.PARENT_OF_CHILD)


@scenario
def parent_of_a_pupil_who_came_of_age(site: Site, real: bool) -> Attempt:
    """Parent's route for a former pupil who is an adult now, by the parent still on the guardian row."""
    victim = site.people.former_pupil()
    assert (site.people.age(victim) or 0) >= 18
    target = aim(site, victim, real)
    parent = site.people.parent_of(victim)
    a = attempt(site, victim, target, str(parent.email))
    form = {
        "acting": "parent",
        **about(target.person),
        "requester_first_name": parent.first_name,
        "requester_last_name": parent.last_name,
        "email": str(parent.email),
    }
    return carry_on(site, a, a.impostor.submit(form), Route.PARENT_OF_ADULT)


@scenario
def representative_with_a_29_byte_pdf(site: Site, real: bool) -> Attempt:
    """Representative's route for an adult, with a 29-byte 'authorisation' that starts with %PDF-."""
    victim = site.people.adult()
    target = aim(site, victim, real)
    a = attempt(site, victim, target, "bevollmaechtigt@example.org")
    form = {
        "acting": "representative",
        **about(target.person),
        "requester_first_name": "Rainer",
        "requester_last_name": "Vollmacht",
        "email": "bevollmaechtigt@example.org",
    }
    receipt = a.impostor.submit(form, upload=("vollmacht.pdf", FAKE_PDF, "application/pdf"))
    return carry_on(site, a, receipt, Route.REPRESENTATIVE_OF_ADULT)


@scenario
def representative_with_a_jpeg(site: Site, real: bool) -> Attempt:
    """Representative's route for a pupil, with a JPEG of nothing as the 'authorisation'."""
    victim = site.people.pupil()
    target = aim(site, victim, real)
    a = attempt(site, victim, target, "vertretung@example.org")
    form = {
        "acting": "representative",
        **about(target.person),
        "requester_first_name": "Vera",
        "requester_last_name": "Vertretung",
        "email": "vertretung@example.org",
    }
    receipt = a.impostor.submit(form, upload=("vollmacht.jpg", FAKE_JPEG, "image/jpeg"))
    return carry_on(site, a, receipt, Route.REPRESENTATIVE_OF_CHILD)


@scenario
def namesake_with_the_others_birth_date(site: Site, real: bool) -> Attempt:
    """Self route: a pupil with the same name types the other one's birth date and her own address."""
    mine, theirs = site.people.namesakes()
    target = aim(site, theirs, real, same_name=True)
    a = attempt(site, theirs, target, "namensvetterin@example.org")
    form = {"acting": "self", **about(target.person, card=False), "email": "namensvetterin@example.org"}
    return carry_on(site, a, a.impostor.submit(form), Route.SELF)


@scenario
def namesake_with_her_own_address_on_file(site: Site, real: bool) -> Attempt:
    """Self route: the namesake whose address *is* on file names only the shared name: her code proves
    her, never the other one."""
    a_, b_ = site.people.namesakes()
    impostor, victim = (a_, b_) if a_.email else (b_, a_)
    assert impostor.email and victim.email != impostor.email
    target = aim(site, victim, real, same_name=True)
    a = attempt(site, victim, target, impostor.email)
    form = {"acting": "self", **about(target.person, born=False, card=False), "email": impostor.email}
    return carry_on(site, a, a.impostor.submit(form), Route.SELF)


@scenario
def sibling_with_her_own_address_on_file(site: Site, real: bool) -> Attempt:
    """Self route: the sister, with her own address on file, names her brother."""
    victim, sister = site.people.siblings()
    target = aim(site, victim, real)
    a = attempt(site, victim, target, str(sister.email))
    form = {"acting": "self", **about(target.person), "email": str(sister.email)}
    return carry_on(site, a, a.impostor.submit(form), Route.SELF)


@scenario
def sibling_logged_in_to_james_names_her_brother(site: Site, real: bool) -> Attempt:
    """Self route with a *valid* James login — the sister's own — and her brother's name on the form."""
    victim, sister = site.people.siblings()
    target = aim(site, victim, real)
    a = attempt(site, victim, target, str(sister.email))
    token = sign_login(
        SCHOOL_JAMES_KEY, controller=site.school, store="school", person_key=str(sister.id), email=sister.email
    )
    form = {"acting": "self", **about(target.person), "email": str(sister.email), "james_login": token}
    return carry_on(site, a, a.impostor.submit(form), Route.SELF)


@scenario
def someone_with_the_former_pupils_new_address(site: Site, real: bool) -> Attempt:
    """Self route: 'I left the school, this is my new address' for a former pupil with none on file."""
    victim = site.people.former_pupil()
    assert victim.email is None
    target = aim(site, victim, real)
    a = attempt(site, victim, target, "ehemalige.neu@example.org")
    form = {"acting": "self", **about(target.person), "email": "ehemalige.neu@example.org"}
    return carry_on(site, a, a.impostor.submit(form), Route.SELF)


@scenario
def teacher_asks_as_parent(site: Site, real: bool) -> Attempt:
    """Parent's route: a teacher of the school, verified by her address on file (hers, not a guardian's)."""
    victim = site.people.pupil()
    teacher = site.people.teacher_for(victim)
    target = aim(site, victim, real)
    a = attempt(site, victim, target, str(teacher.email))
    form = {
        "acting": "parent",
        **about(target.person),
        "requester_first_name": teacher.first_name,
        "requester_last_name": teacher.last_name,
        "email": str(teacher.email),
    }
    return carry_on(site, a, a.impostor.submit(form), Route.PARENT_OF_CHILD)


@scenario
def teacher_asks_as_representative(site: Site, real: bool) -> Attempt:
    """Representative's route: a teacher with her school address and a self-made 'Vollmacht' PDF."""
    victim = site.people.pupil()
    teacher = site.people.teacher_for(victim)
    target = aim(site, victim, real)
    a = attempt(site, victim, target, str(teacher.email))
    form = {
        "acting": "representative",
        **about(target.person),
        "requester_first_name": teacher.first_name,
        "requester_last_name": teacher.last_name,
        "email": str(teacher.email),
        "details": "Als Klassenlehrerin brauche ich die Ausleihen für das Elterngespräch.",
    }
    receipt = a.impostor.submit(form, upload=("vollmacht.pdf", FAKE_PDF, "application/pdf"))
    return carry_on(site, a, receipt, Route.REPRESENTATIVE_OF_CHILD)


@scenario
def ex_partner_with_everything_but_the_mailbox(site: Site, real: bool) -> Attempt:
    """Self route: the ex-partner knows name, birth date, card number and postal address; own address."""
    victim = site.people.adult()
    target = aim(site, victim, real)
    a = attempt(site, victim, target, "ex@example.org")
    p = target.person
    form = {
        "acting": "self",
        **about(p),
        "email": "ex@example.org",
        "postal_address": f"{p.street}\n{p.postal_code} {p.city}",
    }
    return carry_on(site, a, a.impostor.submit(form), Route.SELF)


@scenario
def nobody_or_somebody_through_the_api(site: Site, real: bool) -> Attempt:
    """The JSON API and the English pages: a request for a real pupil or for nobody, verified, looked after."""
    victim = site.people.pupil()
    target = aim(site, victim, real)
    a = attempt(site, victim, target, "neugierig@example.org")
    made = a.impostor.api(
        "/api/public/requests?lang=en",
        {"controller": site.school, "types": ["access"], **about(target.person), "email": "neugierig@example.org"},
    )
    assert made.status == 201, made.text
    out = json.loads(made.text)
    receipt = Receipt(out["reference"], out["status_secret"], None, made)
    a.impostor.remember(receipt.reference, "<reference>")
    a.impostor.remember(receipt.secret, "<status secret>")
    a.impostor.remember(out["verification_token"], "<verification link>")
    token = out["verification_token"]
    a.impostor.api(f"/api/public/verifications/{token}?lang=en", {"code": "WRONG123"}, "POST a wrong code")
    a.impostor.api(f"/api/public/verifications/{token}", {"code": a.impostor.code_from_mail()}, "POST the code")
    a.impostor.api("/api/public/verifications?lang=en", {"reference": receipt.reference, "status_secret": "x" * 22})
    return carry_on(site, a, receipt, Route.SELF)


# James logins (dsr.signin) the portal must refuse: nothing is opened and nothing says why


def _james_form(target: Target, email: str, token: str) -> dict[str, str]:
    return {"acting": "self", **about(target.person, card=False), "email": email, "james_login": token}


@scenario
def james_login_forged(site: Site, real: bool) -> Attempt:
    """A login assertion for the victim's row, signed with a key the impostor made up."""
    victim = site.people.adult()
    target = aim(site, victim, real)
    a = attempt(site, victim, target, "faelscher@example.org")
    token = sign_login(
        "not-the-key-of-james-but-long-enough-1234",
        controller=site.school,
        store="school",
        person_key=str(target.person.id),
        email="faelscher@example.org",
    )
    return refused_without_a_case(site, a, a.impostor.submit(_james_form(target, "faelscher@example.org", token)))


@scenario
def james_login_tampered(site: Site, real: bool) -> Attempt:
    """The impostor's own genuine login (they are a reader too), its payload edited to name the victim."""
    victim = site.people.adult()
    target = aim(site, victim, real)
    me = site.people.siblings()[1]
    a = attempt(site, victim, target, str(me.email))
    genuine = sign_login(
        SCHOOL_JAMES_KEY, controller=site.school, store="school", person_key=str(me.id), email=me.email
    )
    payload, signature = genuine.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["key"] = str(target.person.id)
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    page = a.impostor.submit(_james_form(target, str(me.email), f"{edited}.{signature}"))
    return refused_without_a_case(site, a, page)


@scenario
def james_login_expired(site: Site, real: bool) -> Attempt:
    """A genuine login for the victim, found in a browser history twenty minutes later."""
    victim = site.people.adult()
    target = aim(site, victim, real)
    a = attempt(site, victim, target, "verlauf@example.org")
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
    token = sign_login(
        SCHOOL_JAMES_KEY,
        controller=site.school,
        store="school",
        person_key=str(target.person.id),
        email=target.person.email,
        now=old,
    )
    return refused_without_a_case(site, a, a.impostor.submit(_james_form(target, "verlauf@example.org", token)))


@scenario
def james_login_replayed(site: Site, real: bool) -> Attempt:
    """The victim used their login; the impostor sends the same token again (from a proxy log)."""
    victim = site.people.adult()
    target = aim(site, victim, real)
    token = sign_login(
        SCHOOL_JAMES_KEY,
        controller=site.school,
        store="school",
        person_key=str(target.person.id),
        email=target.person.email,
    )
    owner = Visitor(site, {str(target.person.email)})
    used = owner.submit(_james_form(target, str(target.person.email), token))
    assert isinstance(used, Receipt) and 'id="signed-in"' in used.page.text
    owner.close()
    a = attempt(site, victim, target, "mitschnitt@example.org")
    return refused_without_a_case(site, a, a.impostor.submit(_james_form(target, "mitschnitt@example.org", token)))


@scenario
def james_login_for_another_controller(site: Site, real: bool) -> Attempt:
    """Logins for the vendor (signed with its key, or with the school's key but naming the vendor) sent to
    the school's form, and the school's login sent to the vendor's form."""
    victim = site.people.adult()
    target = aim(site, victim, real)
    a = attempt(site, victim, target, "anderswo@example.org")
    key = str(target.person.id)
    vendors = sign_login(VENDOR_JAMES_KEY, controller=site.vendor, store="vendor", person_key=key, email=None)
    mislabelled = sign_login(SCHOOL_JAMES_KEY, controller=site.vendor, store="school", person_key=key, email=None)
    for token in (vendors, mislabelled):
        refused_without_a_case(site, a, a.impostor.submit(_james_form(target, "anderswo@example.org", token)))
    schools = sign_login(SCHOOL_JAMES_KEY, controller=site.school, store="school", person_key=key, email=None)
    page = a.impostor.submit(_james_form(target, "anderswo@example.org", schools), controller=site.vendor)
    return refused_without_a_case(site, a, page)


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 20


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_an_impostor_learns_nothing_and_gets_nothing(site: Site, name: str) -> None:
    play = SCENARIOS[name]
    real = play(site, True)
    real.impostor.close()
    phantom = play(site, False)
    phantom.impostor.close()
    assert not real.breaches, f"{name}: " + "; ".join(real.breaches)
    assert not phantom.breaches, f"{name} (phantom): " + "; ".join(phantom.breaches)
    leaked = leaks(site, real)
    assert not leaked, f"{name}: reached the impostor: " + "; ".join(leaked)
    differences = indistinguishable(real, phantom)
    assert not differences, f"{name}: the impostor can tell whether the person exists:\n" + "\n---\n".join(differences)


# --------------------------------------------------------------------------- the genuine people


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages).split())


def notice_link(v: Visitor) -> str:
    """The download link in the last notice the visitor got."""
    notices = [m for m in v.mail() if "/download/" in body_of(m)]
    assert notices, "no download notice arrived"
    match = re.search(r"http://\S+/download/[A-Za-z0-9_-]+", body_of(notices[-1]))
    assert match
    return match.group(0)


def letter_states_the_check(site: Site, reference: str, answer: bytes) -> list[str]:
    """What is wrong with the final letter: a draft, or without the identity check that was made."""
    text = pdf_text(answer)
    problems = []
    if "Entwurf" in text:
        problems.append("the final letter is marked 'Entwurf'")
    if re.search(r"Identitätsprüfung.{0,400}nicht erfasst", text):
        problems.append("the letter says no identity check was recorded")
    return problems


def subject_checks(site: Site, reference: str) -> list[str]:
    """The methods of the checks recorded for the case's confirmed subject."""
    officer = Officer(site)
    subject = casefile.get_case(site.engine, officer.user, reference).subject_reference
    return [method for method, candidate in officer.checks(reference) if candidate == subject]


def test_the_reader_verified_by_a_code_to_their_address_on_file_downloads_the_answer(site: Site) -> None:
    reader = site.people.adult()
    me = Visitor(site, {str(reader.email)})
    receipt = me.submit({"acting": "self", **about(reader), "email": str(reader.email)})
    assert isinstance(receipt, Receipt) and receipt.verify_link
    done = me.verify(receipt.verify_link, me.code_from_mail())
    assert done.status == 200 and "bestätigt" in done.text

    officer = Officer(site)
    [candidate] = [c for c in officer.search(receipt.reference) if c.reference in site.references_of(reader)]
    assert candidate.may_confirm and candidate.email_on_file and candidate.verified_by == "email_code"
    assert officer.confirm(receipt.reference, candidate.reference) is None
    officer.gather(receipt.reference)
    officer.prepare(receipt.reference)
    plan = officer.plan(receipt.reference)
    assert plan.electronic and plan.basis is Basis.EMAIL_ON_FILE
    assert officer.approve(receipt.reference) is None
    assert officer.offer_download(receipt.reference) == [reader.email]
    answer = me.download(notice_link(me))
    assert answer.startswith(b"%PDF-") and reader.last_name in pdf_text(answer)
    assert "Antwort versendet" in me.status(receipt).text

    assert "email_code" in subject_checks(site, receipt.reference), "confirming recorded no check for the subject"
    assert not letter_states_the_check(site, receipt.reference, answer)


def test_a_young_pupil_verified_by_a_code_is_answered_through_the_guardians_by_post(site: Site) -> None:
    pupil = site.people.pupil()
    assert (site.people.age(pupil) or 99) < site.settings.controller(site.school).pupil_age_of_consent
    me = Visitor(site, {str(pupil.email)})
    receipt = me.submit({"acting": "self", **about(pupil), "email": str(pupil.email)})
    assert isinstance(receipt, Receipt) and receipt.verify_link
    me.verify(receipt.verify_link, me.code_from_mail())

    officer = Officer(site)
    ref = receipt.reference
    [candidate] = [c for c in officer.search(ref) if c.reference in site.references_of(pupil)]
    assert candidate.may_confirm and officer.confirm(ref, candidate.reference) is None
    officer.gather(ref)
    officer.prepare(ref)
    # the school's records hold the guardian with an address and the answer goes only there by post:
    # dsr recorded that as the guardianship, so approval needs no officer's check
    assert "guardians_on_file" in subject_checks(site, ref)
    assert officer.approve(ref) is None
    refused = officer.dispatch_by_download(ref)
    assert refused is not None and refused.code == "to_guardians_post"
    assert officer.plan(ref).route is Delivery.POST
    casefile.dispatch_by_post(site.engine, officer.user, ref, dt.date.today())
    assert "Antwort versendet" in me.status(receipt).text
    assert not [m for m in me.mail() if "/download/" in body_of(m)]  # no download notice to the pupil

    doc = latest_document_id(site.engine, officer.user, ref, "answer")
    assert doc is not None
    letter = read_document(site.engine, officer.user, ref, doc)[1]
    guardian = site.people.parent_of(pupil)
    assert guardian.name in pdf_text(letter)
    assert "email_code" in subject_checks(site, ref), "confirming recorded no check for the subject"
    assert not letter_states_the_check(site, ref, letter)


def test_a_parent_whose_address_is_on_the_guardian_row_downloads_the_childs_answer(site: Site) -> None:
    pupil = site.people.pupil()
    parent = site.people.parent_of(pupil)
    me = Visitor(site, {str(parent.email)})
    form = {
        "acting": "parent",
        **about(pupil),
        "requester_first_name": parent.first_name,
        "requester_last_name": parent.last_name,
        "email": str(parent.email),
    }
    receipt = me.submit(form)
    assert isinstance(receipt, Receipt) and receipt.verify_link
    me.verify(receipt.verify_link, me.code_from_mail())

    officer = Officer(site)
    ref = receipt.reference
    [candidate] = officer.search(ref)
    assert candidate.reference in site.references_of(pupil)
    assert officer.confirm(ref, candidate.reference) is None
    officer.gather(ref)  # the guardian rows verified the parent: gathering is allowed
    assert casefile.requirements_of(site.engine, officer.user, ref).open == ()
    officer.prepare(ref)
    plan = officer.plan(ref)
    assert plan.electronic and plan.basis is Basis.GUARDIAN_EMAIL_ON_FILE
    assert officer.approve(ref) is None
    assert officer.offer_download(ref) == [parent.email]
    answer = me.download(notice_link(me))
    text = pdf_text(answer)
    assert answer.startswith(b"%PDF-") and parent.name in text and pupil.first_name in text
    assert "guardian_records" in subject_checks(site, ref)
    assert not letter_states_the_check(site, ref, answer)


def test_a_representative_whose_authorisation_an_officer_examined_downloads_the_answer(site: Site) -> None:
    subject = site.people.adult()
    lawyer = "kanzlei.recht@anwalt.example"
    me = Visitor(site, {lawyer})
    form = {
        "acting": "representative",
        **about(subject),
        "requester_first_name": "Dora",
        "requester_last_name": "Rechtsbeistand",
        "email": lawyer,
        "postal_address": "Kanzleigasse 1\n93047 Regensburg",
    }
    signed = b"%PDF-1.7\n% Vollmacht, unterschrieben von " + subject.name.encode() + b"\n%%EOF\n"
    receipt = me.submit(form, upload=("vollmacht.pdf", signed, "application/pdf"))
    assert isinstance(receipt, Receipt) and receipt.verify_link
    me.verify(receipt.verify_link, me.code_from_mail())

    officer = Officer(site)
    engine, ref = site.engine, receipt.reference
    [candidate] = officer.search(ref)
    assert officer.confirm(ref, candidate.reference) is None
    refused = officer.start_gathering(ref)  # the upload alone proves nothing
    assert refused is not None and refused.code == "written_authorisation_missing"
    casefile.record_identity_check(
        engine, officer.user, ref, casefile.CheckMethod.WRITTEN_AUTHORISATION, "Unterschrift verglichen"
    )
    casefile.record_identity_check(
        engine, officer.user, ref, casefile.CheckMethod.REPRESENTATIVE_IN_PERSON, evidence="id_card"
    )
    officer.gather(ref)
    refused = officer.refused(casefile.decide_delivery, engine, officer.user, ref, Delivery.DOWNLOAD)
    assert refused is not None and refused.code == "delivery_reason"  # not on file: only with a ground
    casefile.decide_delivery(engine, officer.user, ref, Delivery.DOWNLOAD, "authorisation_names_address")
    officer.prepare(ref)
    assert officer.approve(ref) is None
    refused = officer.dispatch_by_download(ref)
    assert refused is not None and refused.code == "delivery_unapproved"  # four eyes on the decision
    casefile.approve_delivery(engine, site.approver, ref)
    assert officer.offer_download(ref) == [lawyer]
    answer = me.download(notice_link(me))
    assert answer.startswith(b"%PDF-") and "Rechtsbeistand" in pdf_text(answer)
    assert not letter_states_the_check(site, ref, answer)


def test_a_reader_coming_from_james_with_a_valid_login_downloads_the_answer(site: Site) -> None:
    reader = site.people.adult()
    me = Visitor(site, {str(reader.email)})
    token = sign_login(
        SCHOOL_JAMES_KEY, controller=site.school, store="school", person_key=str(reader.id), email=reader.email
    )
    receipt = me.submit(
        {"acting": "self", "first_name": reader.first_name, "last_name": reader.last_name, "james_login": token}
    )
    assert isinstance(receipt, Receipt) and receipt.verify_link is None and 'id="signed-in"' in receipt.page.text
    assert me.mail() == []  # no code needed

    officer = Officer(site)
    ref = receipt.reference
    [candidate] = [c for c in officer.search(ref) if c.reference in site.references_of(reader)]
    assert candidate.may_confirm
    assert officer.confirm(ref, candidate.reference) is None
    officer.gather(ref)
    officer.prepare(ref)
    assert officer.plan(ref).electronic
    assert officer.approve(ref) is None
    assert officer.offer_download(ref) == [reader.email]
    answer = me.download(notice_link(me))
    assert answer.startswith(b"%PDF-")

    assert "james_login" in subject_checks(site, ref), (
        f"the James login was recorded for another reference than the candidate's: {Officer(site).checks(ref)}"
    )
    assert not letter_states_the_check(site, ref, answer)


def test_the_suites_people_come_from_the_store(site: Site) -> None:
    """The picks are what the scenarios say they are (a changed demo fails here, not in a scenario)."""
    people = site.people
    pupil, adult = people.pupil(), people.adult()
    assert pupil.email and people.parent_of(pupil).email and (people.age(pupil) or 99) < 14
    assert adult.email and (people.age(adult) or 0) >= 18 and not people.is_guardian(adult)
    mine, theirs = people.namesakes()
    assert mine.name == theirs.name and mine.date_of_birth != theirs.date_of_birth
    brother, sister = people.siblings()
    assert brother.email and sister.email and brother.email != sister.email
    assert people.former_pupil().left_at is not None and people.former_pupil().email is None
