"""James staff on the officer side through the host's ``officer_auth`` hook (docs/embedding.md,
"James staff login"): no dsr password, yet four eyes, the audit trail's names and the controller
isolation work as for dsr's own accounts; a host that knows nobody sends to its login, a failing
hook gives a clear 503 (TestClient on a host app mounting the plugin, real SQLite portal DB)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar, Request
from litestar.testing import TestClient

from dsr import casefile
from dsr.casefile.schema import events
from dsr.casefile.users import host_user
from dsr.portal import DSRPlugin
from dsr.portal.config import DSRConfig, OfficerIdentity
from tests.officer_world import PASSWORD, SCHOOL, VENDOR, World
from tests.portal.officer_cases import prepared_case

MOUNT = "/datenschutz"
HOST_LOGIN = "/login"
STAFF = {
    "anna": OfficerIdentity(
        user_id="17",
        display_name="Anna Berg",
        roles=frozenset({"officer", "approver"}),
        controllers=frozenset({SCHOOL}),
    ),
    "ben": OfficerIdentity(
        user_id="23", display_name="Ben Koch", roles=frozenset({"officer", "approver"}), controllers=frozenset({SCHOOL})
    ),
    "vera": OfficerIdentity(
        user_id="31",
        display_name="Vera Vogt",
        roles=frozenset({"officer", "approver"}),
        controllers=frozenset({VENDOR}),
    ),
}


class HostSessionDown(Exception):
    pass


async def james_staff(request: Request[Any, Any, Any]) -> OfficerIdentity | None:
    """The host's hook: who its session says is logged in (here: a header standing for the session)."""
    who = request.headers.get("x-james-staff")
    if who == "broken":
        raise HostSessionDown("session store of Anna Berg unreachable")  # a message naming staff
    if who == "nonsense":
        return "anna"  # type: ignore[return-value]
    return STAFF.get(who or "")


@pytest.fixture
def host(world: World) -> Iterator[Callable[[str | None], TestClient[Litestar]]]:
    """``host(staff)`` → a client of the host app, logged in at the host as ``staff`` (or nobody)."""
    plugin = DSRPlugin(
        DSRConfig(
            settings=world.settings,
            path=MOUNT,
            engine=world.engine,
            run_worker=False,
            officer_auth=james_staff,
            officer_login_url=HOST_LOGIN,
        )
    )
    opened: list[TestClient[Litestar]] = []

    def client(staff: str | None) -> TestClient[Litestar]:
        c = TestClient(Litestar(plugins=[plugin], logging_config=None))
        c.__enter__()
        if staff is not None:
            c.headers["x-james-staff"] = staff
        opened.append(c)
        return c

    yield client
    for c in opened:
        c.__exit__(None, None, None)


def csrf(client: TestClient[Litestar]) -> str:
    me = client.get(f"{MOUNT}/api/officer/me")
    assert me.status_code == 200, me.text
    return str(me.json()["csrf_token"])


def read(client: TestClient[Litestar], ref: str) -> None:
    """Open the case's final letter (approval waits for it)."""
    documents = client.get(f"{MOUNT}/api/officer/cases/{ref}").json()["documents"]
    answer = [d for d in documents if d["kind"] == "answer"][-1]
    assert client.get(f"{MOUNT}/api/officer/cases/{ref}/documents/{answer['id']}").status_code == 200


def portal_user(world: World, staff: str) -> casefile.User:
    who = STAFF[staff]
    return host_user(world.engine, who.user_id, who.display_name, dict.fromkeys(who.controllers, who.roles))


def test_four_eyes_between_two_james_staff_and_the_history_names_them(world: World, host: Any) -> None:
    anna, ben = host("anna"), host("ben")
    assert anna.get(f"{MOUNT}/officer/").status_code == 200  # first sight: a portal user, no password
    ref = prepared_case(world, portal_user(world, "anna"))

    refused = anna.post(f"{MOUNT}/api/officer/cases/{ref}/approve", headers={"x-csrf-token": csrf(anna)})
    assert refused.status_code == 409 and refused.json()["code"] == "four_eyes"
    read(ben, ref)
    approved = ben.post(f"{MOUNT}/api/officer/cases/{ref}/approve", headers={"x-csrf-token": csrf(ben)})
    assert approved.status_code == 200, approved.text
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.APPROVED

    page = ben.get(f"{MOUNT}/officer/cases/{ref}").text
    history = page[page.index('data-action="state changed"') :]
    assert "Anna Berg" in history and "Ben Koch" in history  # who prepared, who approved
    with world.engine.connect() as conn:
        approval = conn.execute(
            sa.select(events.c.actor).where(events.c.case_ref == ref).order_by(events.c.seq.desc())
        ).first()
    assert approval is not None and approval.actor == f"user:{portal_user(world, 'ben').id}"


def test_a_state_change_needs_the_csrf_token_of_that_staff_member(world: World, host: Any) -> None:
    anna, ben = host("anna"), host("ben")
    ref = prepared_case(world, portal_user(world, "anna"))
    assert ben.post(f"{MOUNT}/api/officer/cases/{ref}/approve").status_code == 403
    wrong = ben.post(f"{MOUNT}/api/officer/cases/{ref}/approve", headers={"x-csrf-token": csrf(anna)})
    assert wrong.status_code == 403
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.PREPARED


def test_staff_of_another_controller_see_nothing_of_the_case(world: World, host: Any) -> None:
    ref = prepared_case(world, world.officer)
    vera = host("vera")
    listing = vera.get(f"{MOUNT}/officer/")
    assert listing.status_code == 200 and ref not in listing.text
    assert vera.get(f"{MOUNT}/officer/cases/{ref}").status_code == 404
    assert vera.get(f"{MOUNT}/api/officer/cases/{ref}").status_code == 404
    assert ref in host("anna").get(f"{MOUNT}/officer/").text


def test_roles_and_name_follow_the_host(world: World, host: Any) -> None:
    """The host's word on each request: a new name shows, a role taken away is gone."""
    assert host("anna").get(f"{MOUNT}/officer/").status_code == 200
    renamed = OfficerIdentity(
        user_id="17", display_name="Anna Berg-Huber", roles=frozenset({"officer"}), controllers=frozenset({SCHOOL})
    )
    STAFF["anna-renamed"] = renamed
    try:
        page = host("anna-renamed").get(f"{MOUNT}/officer/")
    finally:
        del STAFF["anna-renamed"]
    assert "Anna Berg-Huber" in page.text
    user = portal_user(world, "anna")  # back as the fixture's Anna: one user throughout
    assert user.id == host_user(world.engine, "17", "Anna Berg-Huber", {SCHOOL: ["officer"]}).id


def test_nobody_logged_in_at_the_host_goes_to_the_host_login(host: Any) -> None:
    stranger = host(None)
    r = stranger.get(f"{MOUNT}/officer/?state=prepared", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"{HOST_LOGIN}?next=%2Fdatenschutz%2Fofficer%3Fstate%3Dprepared"
    api = stranger.get(f"{MOUNT}/api/officer/cases")
    assert api.status_code == 401 and api.json()["login_url"].startswith(HOST_LOGIN)
    login = stranger.get(f"{MOUNT}/officer/login")
    assert login.status_code == 200 and "Anmeldung über James" in login.text
    assert f'href="{HOST_LOGIN}?next=' in login.text and 'type="password"' not in login.text
    # logged in at the host, dsr's login page goes straight on to the cases
    r = host("anna").get(f"{MOUNT}/officer/login", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{MOUNT}/officer/"


@pytest.mark.parametrize("staff", ["broken", "nonsense"])
def test_a_failing_hook_is_a_clear_503_not_a_500(host: Any, staff: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        page = host(staff).get(f"{MOUNT}/officer/")
        api = host(staff).get(f"{MOUNT}/api/officer/cases")
    assert page.status_code == 503 and "Anmeldung über James kann gerade nicht geprüft werden" in page.text
    assert "Traceback" not in page.text and "HostSessionDown" not in page.text
    assert api.status_code == 503 and api.json()["error"] == "host_login_unavailable"
    assert "Anna Berg" not in caplog.text  # the host's message may name staff: only its type is logged


def test_james_staff_have_no_dsr_password(world: World, host: Any) -> None:
    assert host("anna").get(f"{MOUNT}/officer/").status_code == 200
    username = portal_user(world, "anna").username
    assert username == "Anna Berg (host:17)"
    with pytest.raises(casefile.LoginFailed):
        casefile.login(world.engine, username, PASSWORD)
    with pytest.raises(casefile.InputRejected):  # nobody else can take the host's mark
        casefile.create_user(world.engine, "Eve (host:17)", PASSWORD, {SCHOOL: ["officer"]})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    host_id=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=80),
    name=st.text(max_size=150),
)
def test_one_portal_user_per_host_id_whatever_the_id_and_name(world: World, host_id: str, name: str) -> None:
    """Ids differing only in case or full of brackets and spaces, long ids, odd names: each host id
    is one user, found again under a new name, and never another id's (SQLite's LIKE ignores case)."""
    seen: dict[str, int] = world.__dict__.setdefault("host_ids", {})
    user = host_user(world.engine, host_id, name, {SCHOOL: ["officer"]})
    again = host_user(world.engine, host_id, name + " neu", {SCHOOL: ["officer"]})
    twin = host_user(world.engine, host_id.swapcase(), name, {SCHOOL: ["officer"]})
    assert again.id == user.id and len(again.username) <= 120
    assert (twin.id == user.id) == (host_id.swapcase() == host_id)
    for other, other_user in ((host_id, user.id), (host_id.swapcase(), twin.id)):
        assert seen.setdefault(other, other_user) == other_user
    assert len(set(seen.values())) == len(seen)
