"""The web-server log connector: exactly the subject's lines, from real files on disk."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

from dsr.config import connect, parse
from dsr.errors import ConfigError
from dsr.model import Identifier, IdentifierKind, StoreState, Subject
from dsr.pipeline.gather import gather
from dsr.testing import FakeConnector, FakePerson
from dsr_connectors.weblog import WebLogConnector

CET = dt.timezone(dt.timedelta(hours=1))
CEST = dt.timezone(dt.timedelta(hours=2))
EST = dt.timezone(dt.timedelta(hours=-5))
NAT = "203.0.113.10"  # the whole school's shared address
AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0"


def line(host: str, user: str, when: dt.datetime, path: str, status: int = 200, agent: str = AGENT) -> str:
    stamp = when.strftime("%d/%b/%Y:%H:%M:%S %z")
    return f'{host} - {user} [{stamp}] "GET {path} HTTP/1.1" {status} 5120 "-" "{agent}"'


def write(directory: Path, name: str, lines: list[str | bytes]) -> None:
    data = b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines)
    if name.endswith(".gz"):
        with gzip.open(directory / name, "wb") as f:
            f.write(data)
    else:
        (directory / name).write_bytes(data)


def subject(*identifiers: tuple[IdentifierKind, str]) -> Subject:
    return Subject(
        controller="gym",
        reference="R-1",
        identifiers=frozenset(Identifier(kind, value) for kind, value in identifiers),
    )


ANNA = subject((IdentifierKind.LOGIN, "anna"), (IdentifierKind.IP_EXCLUSIVE, "2001:db8:0:0::7"))


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    """Three days of catalogue and web-site traffic, rotated, with damage."""
    d = tmp_path / "logs"
    d.mkdir()
    t = dt.datetime(2026, 3, 2, 9, 15, 0, tzinfo=CET)
    write(
        d,
        "access.log.2.gz",
        [
            line(NAT, "anna", t, "/opac/gym/search?q=Momo"),  # 1: anna, shared NAT
            line(NAT, "anna.b", t, "/opac/gym/search?q=Krabat"),  # 2: another reader, same address
            line(NAT, "-", t, "/opac/gym/"),  # 3: anonymous from the NAT: nobody's
            line(NAT, "anna", t, "/opac/rs-nord/search?q=x"),  # 4: same login at another school
            '203.0.113.10 - anna [02/Mar/2026:09:16:00 +0100] "GET /opac/gym/loans HTT',  # 5: truncated
        ],
    )
    t = dt.datetime(2026, 3, 3, 14, 0, 0, tzinfo=CEST)
    write(
        d,
        "access.log.1",
        [
            line("2001:db8::7", "anna", t, "/opac/gym/account"),  # 1: IPv6
            line("p5b0a12cd.dip0.t-ipconnect.de", "anna", t, "/opac/gym/loans"),  # 2: provider host name
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 anna [\xff\xfe",  # 3: binary garbage mentioning anna
            line("2001:db8::7", "-", t, "/opac/gym/search?q=Tintenherz"),  # 4: anonymous, anna's own address
            line("2001:db8::7", "-", t, "/opac/rs-nord/"),  # 5: anonymous, other school's catalogue
            line("2001:db8::7", "ben", t, "/opac/gym/"),  # 6: someone else logged in from that address
            line("198.51.100.4", "Anna", t, "/opac/gym/"),  # 7: login names are exact
        ],
    )
    t = dt.datetime(2026, 3, 4, 7, 30, 0, tzinfo=EST)
    write(
        d,
        "access.log",
        [
            line("198.51.100.9", "anna", t, "/opac/gym/reservations", status=302),  # 1: -0500
            line("198.51.100.9", "anna.b", t, "/opac/gym/"),  # 2
            "",  # 3: empty line
            line("198.51.100.9", "Anna.Schmidt@Example.org", t, "/kunden/rechnungen"),  # 4: vendor site
            line("198.51.100.9", "anna.schmidt@example.org", t, "/opac/gym/"),  # 5: e-mail on a catalogue path
            line(NAT, "-", t, "/produkte/james"),  # 6: anonymous site visit
        ],
    )
    (d / "error.log").write_text("not an access log\n")
    return d


def keys(records) -> list[str]:
    return [r.key for r in records]


def test_catalogue_lines_are_exactly_the_readers_own(logs: Path) -> None:
    c = WebLogConnector("catalogue-log", logs, "catalogue", tenant_key="gym")
    records = list(c.records(ANNA))
    # oldest file first; another reader, another school, anonymous lines and other-case logins never
    assert keys(records) == [
        "access.log.2.gz:1",
        "access.log.1:1",
        "access.log.1:2",
        "access.log:1",
    ]
    assert {r.collection for r in records} == {"log_lines"}
    hosts = [r.value("host") for r in records]
    assert hosts == [NAT, "2001:db8::7", "p5b0a12cd.dip0.t-ipconnect.de", "198.51.100.9"]
    # truncated line, binary garbage, empty line
    assert c.malformed_lines == 3


def test_times_keep_their_offsets(logs: Path) -> None:
    c = WebLogConnector("catalogue-log", logs, "catalogue", tenant_key="gym")
    times = [r.value("time") for r in c.records(ANNA)]
    assert [t.utcoffset() for t in times] == [dt.timedelta(hours=h) for h in (1, 2, 2, -5)]
    assert times[-1] == dt.datetime(2026, 3, 4, 12, 30, tzinfo=dt.UTC)


def test_record_fields(logs: Path) -> None:
    c = WebLogConnector("catalogue-log", logs, "catalogue", tenant_key="gym")
    last = list(c.records(ANNA))[-1]
    assert {f.name: f.value for f in last.fields} == {
        "time": dt.datetime(2026, 3, 4, 7, 30, tzinfo=EST),
        "host": "198.51.100.9",
        "user": "anna",
        "method": "GET",
        "path": "/opac/gym/reservations",
        "protocol": "HTTP/1.1",
        "status": 302,
        "bytes": 5120,
        "referer": None,
        "user_agent": AGENT,
    }
    spec = {s.name: s for s in c.collections()}["log_lines"]
    assert spec.activity == "web-logs" and spec.category == "web-server logs"
    assert {f.name for f in spec.fields} == {f.name for f in last.fields}


def test_prefix_login_gets_only_their_own_lines(logs: Path) -> None:
    c = WebLogConnector("catalogue-log", logs, "catalogue", tenant_key="gym")
    other = subject((IdentifierKind.LOGIN, "anna.b"))
    assert keys(c.records(other)) == ["access.log.2.gz:2", "access.log:2"]


def test_exclusive_address_lines_only_when_switched_on(logs: Path) -> None:
    off = WebLogConnector("catalogue-log", logs, "catalogue", tenant_key="gym")
    assert "anonymous_lines" not in {r.collection for r in off.records(ANNA)}
    assert [s.name for s in off.collections()] == ["log_lines"]

    on = WebLogConnector("catalogue-log", logs, "catalogue", tenant_key="gym", include_exclusive_addresses=True)
    records = list(on.records(ANNA))
    anonymous = [r for r in records if r.collection == "anonymous_lines"]
    # only the anonymous line from anna's own address in this school's catalogue
    assert keys(anonymous) == ["access.log.1:4"]
    assert anonymous[0].value("path") == "/opac/gym/search?q=Tintenherz"
    assert len(records) == 5
    spec = {s.name: s for s in on.collections()}["anonymous_lines"]
    assert "only you" in spec.description["en"]


def test_officer_switch_per_case(logs: Path) -> None:
    c = WebLogConnector("catalogue-log", logs, "catalogue", tenant_key="gym")
    c.include_exclusive_addresses = True
    assert "access.log.1:4" in keys(c.records(ANNA))


def test_shared_address_is_never_attributed(logs: Path) -> None:
    # anna used the NAT address, but so did others: with the switch on, its anonymous lines
    # and other readers' lines from it still never appear
    c = WebLogConnector("catalogue-log", logs, "catalogue", tenant_key="gym", include_exclusive_addresses=True)
    plain = subject((IdentifierKind.LOGIN, "anna"), (IdentifierKind.IP, NAT))
    assert "access.log.2.gz:3" not in keys(c.records(plain))
    assert "access.log.2.gz:2" not in keys(c.records(plain))


def test_site_lines_match_email_in_any_case(logs: Path) -> None:
    c = WebLogConnector("site-log", logs, "site")
    contact = subject((IdentifierKind.EMAIL, "anna.schmidt@example.org"), (IdentifierKind.LOGIN, "anna"))
    records = list(c.records(contact))
    # the catalogue line with the same e-mail is the school's, not the vendor's
    assert keys(records) == ["access.log:4"]
    assert records[0].value("user") == "Anna.Schmidt@Example.org"
    assert c.collections()[0].title["en"] == "Requests to our web site (web server log)"


def test_escaped_non_ascii_login(tmp_path: Path) -> None:
    t = dt.datetime(2026, 3, 2, 9, 15, tzinfo=CET)
    write(
        tmp_path,
        "access.log",
        [
            line(NAT, "j\\xc3\\xbcrgen", t, "/opac/gym/a"),  # Apache: \xhh
            line(NAT, "j\\xC3\\xBCrgen", t, "/opac/gym/b"),  # nginx: \xHH
            line(NAT, "jürgen", t, "/opac/gym/c"),  # raw UTF-8
            line(NAT, "jurgen", t, "/opac/gym/d"),
        ],
    )
    c = WebLogConnector("catalogue-log", tmp_path, "catalogue", tenant_key="gym")
    found = list(c.records(subject((IdentifierKind.LOGIN, "jürgen"))))
    assert [r.value("path") for r in found] == ["/opac/gym/a", "/opac/gym/b", "/opac/gym/c"]


def test_no_login_no_lines(logs: Path) -> None:
    c = WebLogConnector("catalogue-log", logs, "catalogue", tenant_key="gym")
    assert list(c.records(subject((IdentifierKind.EMAIL, "x@example.org")))) == []


def test_retention_is_stated(logs: Path) -> None:
    c = WebLogConnector("catalogue-log", logs, "catalogue", tenant_key="gym", retention_days=14)
    description = c.collections()[0].description
    assert "14 Tagen gelöscht" in description["de"]
    assert "deleted after 14 days" in description["en"]
    assert "operating system" in description["en"]


def test_over_long_garbage_line_is_dropped_and_counted(tmp_path: Path) -> None:
    t = dt.datetime(2026, 3, 2, 9, 15, tzinfo=CET)
    (tmp_path / "access.log").write_bytes(
        line(NAT, "anna", t, "/opac/gym/a").encode()
        + b"\n"
        + b"\x00" * (3 * 1024 * 1024)
        + b"\n"
        + line(NAT, "anna", t, "/opac/gym/b").encode()
        + b"\n"
    )
    c = WebLogConnector("catalogue-log", tmp_path, "catalogue", tenant_key="gym")
    assert keys(c.records(ANNA)) == ["access.log:1", "access.log:3"]
    assert c.malformed_lines == 1


def test_last_line_without_newline_is_read(tmp_path: Path) -> None:
    t = dt.datetime(2026, 3, 2, 9, 15, tzinfo=CET)
    (tmp_path / "access.log").write_text(line(NAT, "anna", t, "/opac/gym/a"))
    c = WebLogConnector("catalogue-log", tmp_path, "catalogue", tenant_key="gym")
    assert keys(c.records(ANNA)) == ["access.log:1"]
    assert c.malformed_lines == 0


# ---------------------------------------------------------------- through gather and the config


def test_gather_flows_logins_and_reports_malformed(logs: Path) -> None:
    school = FakeConnector("school", people=[FakePerson(key="7", first_name="Anna", last_name="Schmidt", login="anna")])
    # FakeConnector does not declare what its identifiers() contributes; the school store does
    school.contributes = frozenset({IdentifierKind.LOGIN, IdentifierKind.IP_EXCLUSIVE})  # type: ignore[misc]
    log = WebLogConnector("catalogue-log", logs, "catalogue", tenant_key="gym")
    who = Subject(
        controller="gym", reference="R-7", identifiers=frozenset({Identifier(IdentifierKind.KEY, "7", "school")})
    )
    # configured before the school: still runs after it, because it consumes the login
    result = gather(who, [log, school])
    report = {r.store: r for r in result.reports}["catalogue-log"]
    assert report.state is StoreState.OK
    assert report.records == 4
    assert report.malformed_lines == 3
    assert result.collection("catalogue-log", "log_lines").activity == "web-logs"


def test_missing_directory_fails_the_store_without_personal_data(tmp_path: Path) -> None:
    log = WebLogConnector("catalogue-log", tmp_path / "nowhere", "catalogue", tenant_key="gym")
    result = gather(ANNA, [log])
    report = result.reports[0]
    assert report.state is StoreState.FAILED
    assert "does not exist" in (report.error or "")
    assert "anna" not in (report.error or "")
    assert log.check() and "does not exist" in log.check()[0].problem


def test_broken_gzip_fails_the_store(tmp_path: Path) -> None:
    (tmp_path / "access.log").write_text("")
    (tmp_path / "access.log.2.gz").write_bytes(b"\x1f\x8b\x08\x00garbage that is not deflate")
    result = gather(ANNA, [WebLogConnector("catalogue-log", tmp_path, "catalogue", tenant_key="gym")])
    report = result.reports[0]
    assert report.state is StoreState.FAILED
    assert "access.log.2.gz" in (report.error or "")


def _config(tmp_path: Path, table: dict) -> list:
    raw = {
        "controllers": {
            "gym": {
                "name": "Gymnasium",
                "kind": "school",
                "land": "BY",
                "public": True,
                "street": "S 1",
                "postal_code": "80331",
                "city": "München",
                "email": "a@b.de",
                "dpo": {"name": "D"},
                "signatory": {"name": "S"},
                "stores": {"catalogue-log": {"connector": "weblog", **table}},
            }
        }
    }
    return connect(parse(raw, tmp_path / "dsr.toml"), "gym")


def test_configured_from_toml(tmp_path: Path, logs: Path) -> None:
    [c] = _config(
        tmp_path, {"path": "logs", "scope": "catalogue", "tenant_key": "gym", "include_exclusive_addresses": True}
    )
    assert isinstance(c, WebLogConnector)
    assert c.directory == logs
    assert "anonymous_lines" in {r.collection for r in c.records(ANNA)}
    assert c.check() == []
    [missing] = _config(tmp_path, {"path": "elsewhere", "scope": "site"})
    [problem] = missing.check()
    assert problem.key == "controllers.gym.stores.catalogue-log.path"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"path": "logs", "scope": "catalogue", "tenant_key": "gym", "colour": "red"}, "colour"),
        ({"scope": "site"}, "path"),
        ({"path": "logs", "scope": "opac"}, "scope"),
        ({"path": "logs", "scope": "catalogue"}, "tenant_key"),
        ({"path": "logs", "scope": "catalogue", "tenant_key": "a/b"}, "tenant_key"),
        ({"path": "logs", "scope": "site", "tenant_key": "gym"}, "tenant_key"),
        ({"path": "logs", "scope": "site", "include_exclusive_addresses": "yes"}, "include_exclusive_addresses"),
        ({"path": "logs", "scope": "site", "retention_days": 0}, "retention_days"),
    ],
)
def test_bad_settings_name_the_key(tmp_path: Path, table: dict, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        _config(tmp_path, table)
    assert err.value.key == f"controllers.gym.stores.catalogue-log.{key}"
    assert err.value.file == str(tmp_path / "dsr.toml")
