"""``dsr disclose`` from demo stores to documents, as an officer would run it.

- every row of the school database that belongs to a reader is in their ``disclosure.json``,
  and no row of another reader is;
- no name, e-mail, phone, card number or login of any other person of the demo school is in it;
- the command's exit codes: 0 done, 2 configuration, 3 ambiguous, 4 store down, 5 nobody matches
  (the negative answer is written, but only when every store answered);
- the letter states only the facts the officer gave (reference, receipt, channel, identity check,
  address); anything else reads "nicht erfasst" and makes the letter a draft.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dsr import Descriptor, connect, load
from dsr.cli import main
from dsr.demo import generate
from dsr.demo.school import populate_school
from dsr.pipeline.answer import identify, prepare_answer

#: tables whose rows belong to the reader in ``person_id`` (plus the person row itself)
OWNED = ("loan", "reservation", "fee", "notice", "review", "login_event", "search_log")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("demo")
    summary = generate(out, schools=1, readers_per_school=40, seed=7, loans_per_reader=12)
    return out, summary


def school_url(demo_dir: Path) -> str:
    return f"sqlite:///{next(demo_dir.glob('school-*.db'))}"


def run(*argv: str) -> int:
    return main(list(argv))


def test_disclose_writes_letter_and_copy(demo, tmp_path: Path, capsys) -> None:
    out, summary = demo
    pupil = summary.featured_pupil()
    code = run(
        "disclose",
        "--config",
        str(out / "dsr.toml"),
        "--controller",
        pupil.controller,
        "--card",
        pupil.card_number,
        "--out",
        str(tmp_path / "answer"),
    )
    assert code == 0
    files = {p.name for p in (tmp_path / "answer").iterdir()}
    assert {"disclosure.pdf", "disclosure.json", "disclosure.docx"} <= files
    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "answer" / "disclosure.pdf").pages)
    assert pupil.last_name in text
    assert pupil.card_number in text
    data = json.loads((tmp_path / "answer" / "disclosure.json").read_text())
    assert data["complete"] is True
    assert "letter (PDF)" in capsys.readouterr().out


def test_ambiguous_namesake_exits_3_and_names_nobody(demo, tmp_path: Path, capsys) -> None:
    out, summary = demo
    twin = summary.featured(summary.featured_pupil().controller, "namesakes")
    code = run(
        "disclose",
        "--config",
        str(out / "dsr.toml"),
        "--controller",
        twin.controller,
        "--name",
        f"{twin.first_name} {twin.last_name}",
        "--out",
        str(tmp_path / "a"),
    )
    assert code == 3
    err = capsys.readouterr().err
    assert len(re.findall(r"P-[0-9A-F]{12}", err)) == 2
    assert twin.last_name not in err and twin.first_name not in err
    assert not (tmp_path / "a").exists()


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)


#: everything ``dsr disclose`` needs to state the request's facts and address the letter
FACTS = (
    "--reference",
    "DSR-2026-0107",
    "--received",
    "2026-01-02T10:15",
    "--channel",
    "email",
    "--identity-check",
    "email_reply",
    "--recipient-name",
    "Nora Niemand",
    "--street",
    "Am Hang 3",
    "--postal-code",
    "93047",
    "--city",
    "Regensburg",
)


def test_unknown_subject_gets_the_negative_answer_exit_5(demo, tmp_path: Path, capsys) -> None:
    out, summary = demo
    controller = summary.featured_pupil().controller
    answer = tmp_path / "a"
    code = run(
        "disclose",
        "--config",
        str(out / "dsr.toml"),
        "--controller",
        controller,
        "--card",
        "L9999999",
        "--out",
        str(answer),
        *FACTS,
    )
    assert code == 5
    printed = capsys.readouterr()
    assert "negative answer" in printed.out and "warning" not in printed.err
    data = json.loads((answer / "disclosure.json").read_text())
    assert data["kind"] == "negative" and data["complete"] is True and data["stores"] == []
    text = pdf_text(answer / "disclosure.pdf")
    assert "keine personenbezogenen Daten über Sie" in text
    assert "Entwurf" not in text and "nicht erfasst" not in text
    for fact in (
        "DSR-2026-0107",
        "02.01.2026, 10:15 Uhr",
        "per E-Mail",
        "Antwort von der bei uns gespeicherten E-Mail-Adresse",
        "Nora Niemand",
        "Am Hang 3",
        "93047 Regensburg",
        "Guten Tag Nora Niemand,",
    ):
        assert fact in text


def test_facts_nobody_gave_read_not_recorded_in_a_draft(demo, tmp_path: Path, capsys) -> None:
    out, summary = demo
    answer = tmp_path / "a"
    code = run(
        "disclose",
        "--config",
        str(out / "dsr.toml"),
        "--controller",
        summary.featured_pupil().controller,
        "--email",
        "nobody@example.invalid",
        "--out",
        str(answer),
    )
    assert code == 5
    err = capsys.readouterr().err.replace("\n", " ")
    assert "draft" in err and "--received" in err and "--identity-check" in err
    assert "no postal address" in err and "window envelope" in err
    text = pdf_text(answer / "disclosure.pdf")
    assert "Entwurf" in text and "nicht erfasst" in text and "noch nicht vergeben" in text
    assert "persönlich" not in text  # the old default: a check nobody made
    assert "Guten Tag," in text


def test_a_date_without_time_and_a_bad_date(demo, tmp_path: Path, capsys) -> None:
    out, summary = demo
    base = (
        "disclose",
        "--config",
        str(out / "dsr.toml"),
        "--controller",
        summary.featured_pupil().controller,
        "--email",
        "nobody@example.invalid",
    )
    assert run(*base, "--out", str(tmp_path / "a"), "--received", "2026-01-02") == 5
    text = pdf_text(tmp_path / "a" / "disclosure.pdf")
    assert "02.01.2026" in text and "Uhr" not in text
    with pytest.raises(SystemExit) as bad:
        run(*base, "--out", str(tmp_path / "b"), "--received", "2.1.2026")
    assert bad.value.code == 2 and "YYYY-MM-DD" in capsys.readouterr().err
    assert run(*base, "--out", str(tmp_path / "c"), "--received", "2999-01-01") == 2
    assert not (tmp_path / "c").exists()


def test_store_down_gives_no_negative_answer(demo, tmp_path: Path, capsys) -> None:
    out, summary = demo
    copy = tmp_path / "demo"
    shutil.copytree(out, copy)
    shutil.rmtree(copy / "logs")  # the web-log store is down: it might hold the requester's data
    code = run(
        "disclose",
        "--config",
        str(copy / "dsr.toml"),
        "--controller",
        summary.featured_pupil().controller,
        "--email",
        "nobody@example.invalid",
        "--out",
        str(tmp_path / "a"),
        *FACTS,
    )
    assert code == 4
    assert "weblog" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()


def test_configuration_error_exits_2_naming_file_and_key(demo, tmp_path: Path, capsys) -> None:
    out, summary = demo
    bad = tmp_path / "dsr.toml"
    bad.write_text((out / "dsr.toml").read_text().replace('land = "BY"', 'land = "Bayern"'), encoding="utf-8")
    code = run(
        "disclose",
        "--config",
        str(bad),
        "--controller",
        summary.featured_pupil().controller,
        "--card",
        "L1",
        "--out",
        str(tmp_path / "a"),
    )
    assert code == 2
    err = capsys.readouterr().err
    assert str(bad) in err.replace("\n", "") and ".land" in err


def test_store_down_exits_4_and_writes_nothing(demo, tmp_path: Path, capsys) -> None:
    out, summary = demo
    copy = tmp_path / "demo"
    shutil.copytree(out, copy)
    shutil.rmtree(copy / "logs")  # the web-log store is down
    pupil = summary.featured_pupil()
    code = run(
        "disclose",
        "--config",
        str(copy / "dsr.toml"),
        "--controller",
        pupil.controller,
        "--card",
        pupil.card_number,
        "--out",
        str(tmp_path / "a"),
    )
    assert code == 4
    assert "weblog" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()


# --------------------------------------------------------------------------- every reader


@pytest.fixture
def school_store(db_url: str, demo, tmp_path: Path) -> Iterator[tuple[Path, str, str]]:
    """The demo configuration pointed at a demo school database on each dialect."""
    out, summary = demo
    controller = summary.featured_pupil().controller
    if db_url.startswith("sqlite"):
        url = school_url(out)
    else:
        populate_school(db_url, index=0, readers=40, loans_per_reader=12, seed=7)
        url = db_url
    config = tmp_path / "dsr.toml"
    text = (out / "dsr.toml").read_text(encoding="utf-8")
    text = re.sub(r'url = "sqlite:///school-[^"]+"', f'url = "{url}"', text, count=1)
    text = text.replace('path = "logs"', f'path = "{out / "logs"}"')
    config.write_text(text, encoding="utf-8")
    yield config, controller, url


def _people(url: str) -> list[dict]:
    engine = sa.create_engine(url)
    with engine.connect() as c:
        people = [
            dict(r._mapping)
            for r in c.execute(
                sa.text("SELECT id, card_number, login_name, first_name, last_name, email, phone FROM person")
            )
        ]
        owned = {}
        for table in OWNED:
            for pid, rid in c.execute(sa.text(f"SELECT person_id, id FROM {table} WHERE person_id IS NOT NULL")):
                owned.setdefault(pid, set()).add((table, str(rid)))
        guardians = [
            dict(r._mapping)
            for r in c.execute(sa.text("SELECT student_id, person_id, name, email, phone FROM guardian"))
        ]
        authors = {a for (a,) in c.execute(sa.text("SELECT author FROM item WHERE author IS NOT NULL"))}
        addresses: dict[int, set[str]] = {}
        for pid, ip in c.execute(sa.text("SELECT person_id, ip_address FROM login_event WHERE person_id IS NOT NULL")):
            addresses.setdefault(pid, set()).add(ip)
    engine.dispose()
    for p in people:
        p["owned"] = owned.get(p["id"], set())
        p["ips"] = addresses.get(p["id"], set())
    return people, guardians, authors


def _keys(data: dict) -> set[tuple[str, str]]:
    """(table, id) of every record in disclosure.json, by the collection's table."""
    found = set()
    for store in data["stores"]:
        for coll in store["collections"]:
            for rec in coll["records"]:
                if "id" in rec["fields"]:
                    found.add((coll["collection"], str(rec["fields"]["id"]["value"])))
    return found


@pytest.mark.slow
def test_every_reader_gets_all_own_rows_and_nobody_elses(school_store) -> None:
    config, controller, url = school_store
    settings = load(config)
    people, guardians, authors = _people(url)
    c = settings.controller(controller)
    # the controller's published contacts (signatory, DPO) are allowed: they sign the letter
    published = {v for contact in (c, c.dpo, c.signatory) for v in (contact.name, contact.email, contact.phone) if v}
    connectors = connect(settings, controller)
    try:
        for person in people:
            if not person["card_number"]:
                continue
            subject = identify(settings, controller, connectors, Descriptor(card_number=person["card_number"]))
            answer = prepare_answer(settings, controller, subject, connectors, formats=("json",))
            assert answer.complete
            raw = answer.documents["disclosure.json"].decode()
            data = json.loads(raw)
            keys = _keys(data)
            # every own row, in the collection named like its table
            missing = {(t, k) for t, k in person["owned"] if (t, k) not in keys}
            assert not missing, f"reader {person['id']}: rows missing from the answer: {sorted(missing)[:5]}"
            # no row of another reader in those collections
            others = set().union(*(p["owned"] for p in people if p["id"] != person["id"]))
            assert not (keys & others), f"reader {person['id']}: other readers' rows disclosed"
            _assert_no_third_party(raw, person, people, guardians, authors | published)
    finally:
        for c in connectors:
            c.close()


def _assert_no_third_party(
    raw: str, person: dict, people: list[dict], guardians: list[dict], allowed: set[str]
) -> None:
    own_name = f"{person['first_name']} {person['last_name']}"
    own = {v for v in (person["email"], person["phone"], person["card_number"], person["login_name"]) if v} | person[
        "ips"
    ]
    # the reader's own guardians are named beside the relation ([controllers.K] relationship_names)
    parents = {g["name"] for g in guardians if g["student_id"] == person["id"]}
    leaks = []
    for other in people:
        if other["id"] == person["id"]:
            continue
        name = f"{other['first_name']} {other['last_name']}"
        if name != own_name and name not in allowed | parents and name in raw:
            leaks.append(("name", other["id"]))
        for kind in ("email", "phone", "card_number", "login_name"):
            value = other[kind]
            if value and value not in own | allowed and re.search(rf"(?<![\w.@-]){re.escape(value)}(?![\w@-])", raw):
                leaks.append((kind, other["id"]))
        for ip in other["ips"] - own:
            if any(ip in p["ips"] for p in people if p["id"] != other["id"]):
                continue  # a shared address (the school's NAT) is nobody's alone
            if re.search(rf"(?<![\w.:]){re.escape(ip)}(?![\w.:])", raw):
                leaks.append(("ip", other["id"]))
    for g in guardians:
        if g["person_id"] == person["id"]:
            continue
        for kind in ("name", "email", "phone"):
            value = g[kind]
            if kind == "name" and value in parents:
                continue
            if value and value not in own | allowed and value != own_name and value in raw:
                leaks.append((f"guardian {kind}", g["student_id"]))
    assert not leaks, f"reader {person['id']}: third-party data in the answer: {leaks[:5]}"


@pytest.mark.slow
def test_decisions_turn_the_draft_into_the_final_letter(demo, tmp_path: Path) -> None:
    out, summary = demo
    controller = summary.featured_pupil().controller
    answer = tmp_path / "answer"
    # find a reader whose free texts name other people in a way an officer must review
    settings = load(out / "dsr.toml")
    connectors = connect(settings, controller)
    engine = sa.create_engine(school_url(out))
    with engine.connect() as c:
        cards = [r for (r,) in c.execute(sa.text("SELECT card_number FROM person WHERE card_number IS NOT NULL"))]
    engine.dispose()
    card = next(
        card
        for card in cards
        if prepare_answer(
            settings,
            controller,
            identify(settings, controller, connectors, Descriptor(card_number=card)),
            connectors,
            formats=("json",),
        ).open_reviews
    )
    for c in connectors:
        c.close()
    args = [
        "disclose",
        "--config",
        str(out / "dsr.toml"),
        "--controller",
        controller,
        "--card",
        card,
        "--out",
        str(answer),
        *FACTS[:8],
    ]  # the facts, not the address: the stores' address of the reader is used
    assert run(*args) == 0

    review = answer / "review.json"
    items = json.loads(review.read_text())["items"]
    assert items and "Entwurf" in pdf_text(answer / "disclosure.pdf")
    decisions = tmp_path / "decisions.json"
    decisions.write_text(
        json.dumps(
            {
                "decisions": [
                    {"group": g, "action": "redact", "reason": "third-party", "decider": "test"}
                    for g in {i["group"] for i in items}
                ]
            }
        )
    )
    assert run(*args, "--decisions", str(decisions)) == 0
    assert not review.exists()
    assert "Entwurf" not in pdf_text(answer / "disclosure.pdf")


# --------------------------------------------------------------------------- negative answer, every dialect


def test_nobody_matching_gets_the_negative_answer_on_every_dialect(school_store, tmp_path: Path, capsys) -> None:
    config, controller, url = school_store
    args = (
        "disclose",
        "--config",
        str(config),
        "--controller",
        controller,
        "--email",
        "nobody@example.invalid",
        *FACTS,
    )
    assert run(*args, "--out", str(tmp_path / "a")) == 5
    data = json.loads((tmp_path / "a" / "disclosure.json").read_text())
    assert data["kind"] == "negative" and {s["state"] for s in data["searched"]} == {"vollständig durchsucht"}
    assert "keine personenbezogenen Daten über Sie" in pdf_text(tmp_path / "a" / "disclosure.pdf")
    # a store that cannot be asked never yields "we hold nothing"
    down = tmp_path / "down.toml"
    down.write_text(
        re.sub(r'path = "[^"]*logs"', f'path = "{tmp_path / "gone"}"', config.read_text()), encoding="utf-8"
    )
    assert run(*args[:2], str(down), *args[3:], "--out", str(tmp_path / "b")) == 4
    assert not (tmp_path / "b").exists()


def test_an_ambiguous_match_still_stops_on_every_dialect(school_store, tmp_path: Path) -> None:
    config, controller, url = school_store
    engine = sa.create_engine(url)
    with engine.connect() as c:
        first, last = c.execute(
            sa.text("SELECT first_name, last_name FROM person GROUP BY first_name, last_name HAVING COUNT(*) > 1")
        ).first()
    engine.dispose()
    assert (
        run(
            "disclose",
            "--config",
            str(config),
            "--controller",
            controller,
            "--name",
            f"{first} {last}",
            "--out",
            str(tmp_path / "a"),
            *FACTS,
        )
        == 3
    )
    assert not (tmp_path / "a").exists()
