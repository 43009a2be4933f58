"""The portal's JSON API keeps the promises of its own OpenAPI document under generated input.

schemathesis reads the schema the app serves (``/api/schema/openapi.json``) and generates requests
for every operation of the public and the officer API — valid ones and ones that break the schema —
against the real app on the demo world, logged in as an officer who is also approver and admin.
Real case references, a public request's reference, secret and verification token, a download
token, document, job and user ids are fed in beside the generated values, so requests reach the
handlers instead of stopping at "not found". Every answer must be no 5xx, a documented status,
a documented content type and a body valid against the documented schema.

``DSR_FUZZ_EXAMPLES`` sets the examples per operation and generation mode (CI: the default);
benchmarks/api_fuzz.py runs a larger campaign with the same machinery.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

import sqlalchemy as sa  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.core.failures import FailureGroup  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dsr import casefile  # noqa: E402
from dsr.casefile.casepage import candidates_of  # noqa: E402
from dsr.casefile.documents import list_documents  # noqa: E402
from dsr.casefile.schema import cases  # noqa: E402
from dsr.portal.officer.session import COOKIE  # noqa: E402
from tests.officer_world import PASSWORD, SCHOOL, World  # noqa: E402
from tests.portal.officer_cases import approved_case, confirmed_case, prepared_case  # noqa: E402

SCHEMA = "/api/schema/openapi.json"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: examples per operation and generation mode: 48 operations, 2 modes (fewer where nothing can be broken) ≈ 2 000 cases
EXAMPLES = int(os.environ.get("DSR_FUZZ_EXAMPLES", "27"))
FUZZER = "fuzzer"


@dataclass
class Known:
    """Real values the generated requests may use instead of random ones."""

    path: dict[str, list[Any]] = field(default_factory=dict)
    body: dict[str, list[Any]] = field(default_factory=dict)
    protected_user: int = 0  #: the fuzzer's own account: its password and second factor stay


@dataclass
class Campaign:
    """What a run did: per operation, how many cases and which failed (with the check's words)."""

    cases: dict[str, int] = field(default_factory=dict)
    server_errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.cases.values())


def seeded(world: World, client: Any) -> Known:
    """Cases at every stage, a public request with its secret and token, a download on offer."""
    fuzzer = casefile.create_user(world.engine, FUZZER, PASSWORD, {SCHOOL: ["officer", "approver", "admin"]})
    refs = [world.open_request(world.pupil()) for _ in range(4)]
    refs += [confirmed_case(world), confirmed_case(world, verified=False)]
    refs += [prepared_case(world, world.officer), approved_case(world), approved_case(world, verified=False)]
    on_offer = approved_case(world)
    refs.append(on_offer)
    offered = casefile.dispatch_by_download(world.engine, world.officer, on_offer, max_count=10).token
    request = client.post(
        "/api/public/requests",
        json={
            "controller": SCHOOL,
            "types": ["access"],
            "first_name": "Anna",
            "last_name": "Muster",
            "email": "anna@example.org",
        },
    )
    assert request.status_code == 201, request.text
    receipt = request.json()
    refs.append(receipt["reference"])
    documents = [d.id for ref in refs for d in list_documents(world.engine, world.approver, ref)]
    jobs = [j.id for ref in refs for j in casefile.jobs_of_case(world.engine, _case_id(world, ref))]
    return Known(
        path={
            "ref": refs,
            "document_id": documents,
            "user_id": [world.officer.id, world.approver.id, world.vendor_officer.id],
            "token": [receipt["verification_token"], offered],
        },
        body={
            "reference": [receipt["reference"]],
            "status_secret": [receipt["status_secret"]],
            "candidate": [c.reference for ref in refs for c in candidates_of(world.engine, world.officer, ref)],
            "documents": [documents[:2]],
            "document_id": documents,
            "code_id": [1, 2],
            "job": jobs,
            "controller": [SCHOOL, "vendor"],
            "assignee": [world.officer.id, fuzzer.id],
        },
        protected_user=fuzzer.id,
    )


def _case_id(world: World, reference: str) -> int:
    with world.engine.connect() as conn:
        return int(conn.execute(sa.select(cases.c.id).where(cases.c.reference == reference)).scalar_one())


def signed_in(world: World, client: Any) -> str:
    """A new session of the fuzzer in the client's cookie (through the case file: the fuzzed login
    route soon refuses this address); returns its CSRF token."""
    session = casefile.login(world.engine, FUZZER, PASSWORD)
    client.cookies.set(COOKIE, session.token)
    return str(client.get("/api/officer/me").json()["csrf_token"])


def fuzz(
    world: World, client: Any, known: Known, examples: int, log: Callable[[str], None] = lambda _: None
) -> Campaign:
    """Every operation of the served schema, ``examples`` cases per generation mode, checked."""
    csrf = [signed_in(world, client)]  # renewed when a case logs the fuzzer out
    schema = schemathesis.openapi.from_dict(client.get(SCHEMA).json())
    campaign = Campaign()
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        name = f"{operation.method.upper()} {operation.path}"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            runs = _run(world, client, operation, mode, known, examples, csrf, campaign, name)
            campaign.cases[name] = campaign.cases.get(name, 0) + runs
        log(f"{name}: {campaign.cases[name]}")
    campaign.seconds = time.monotonic() - started
    return campaign


def _run(
    world: World,
    client: Any,
    operation: Any,
    mode: GenerationMode,
    known: Known,
    examples: int,
    csrf: list[str],
    campaign: Campaign,
    name: str,
) -> int:
    count = 0
    token = csrf

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def one(case: Any, data: st.DataObject) -> None:
        nonlocal count
        count += 1
        _feed(case, known, data)
        kwargs = case.as_transport_kwargs(base_url="http://testserver.local")
        response = client.request(
            kwargs["method"],
            kwargs["url"],
            params=kwargs.get("params"),
            headers={**(kwargs.get("headers") or {}), "x-csrf-token": token[0]},
            **_body(kwargs),
        )
        campaign.statuses[response.status_code] = campaign.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            campaign.server_errors += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as failure:  # collected: the test reports them all at once
            campaign.violations.append(f"{name} [{mode.value}] -> {response.status_code}: {failure}"[:2000])
        if operation.path.endswith("/logout") and response.status_code == 200:
            token[0] = signed_in(world, client)  # the fuzzer logged itself out: on with a new session

    try:
        one()
    except Unsatisfiable:
        pass  # nothing to break (no parameters, no body): the positive cases cover it
    return count


def _feed(case: Any, known: Known, data: st.DataObject) -> None:
    """Replace generated values with real ones about two times in three."""

    def real() -> bool:
        return data.draw(st.integers(0, 2)) > 0

    for name, values in known.path.items():
        if case.path_parameters and name in case.path_parameters and values and real():
            case.path_parameters[name] = data.draw(st.sampled_from(values))
    if isinstance(case.body, dict):
        for name, values in known.body.items():
            if name in case.body and values and real():
                case.body[name] = data.draw(st.sampled_from(values))
    if case.path_parameters and case.path_parameters.get("user_id") == known.protected_user:
        case.path_parameters["user_id"] = known.path["user_id"][0]


def _body(kwargs: dict[str, Any]) -> dict[str, Any]:
    """requests' body arguments as httpx takes them."""
    if "json" in kwargs:
        return {"json": kwargs["json"]}
    payload = kwargs.get("data")
    if payload is None:
        return {}
    if isinstance(payload, (bytes, str)):
        return {"content": payload}
    return {"data": payload}


@pytest.fixture
def fuzzed_client(app_client: Callable[[], Any]) -> Iterator[Any]:
    yield app_client()


@pytest.mark.slow
def test_generated_requests_get_documented_answers_and_never_a_server_error(world: World, fuzzed_client: Any) -> None:
    known = seeded(world, fuzzed_client)
    campaign = fuzz(world, fuzzed_client, known, EXAMPLES)
    print(f"\napi fuzz: {len(campaign.cases)} operations, {campaign.total} cases, {campaign.seconds:.0f} s")
    print(f"statuses: {dict(sorted(campaign.statuses.items()))}")
    assert len(campaign.cases) >= 45  # the public and the officer API, every operation
    assert campaign.server_errors == 0, campaign.violations[:5]
    assert not campaign.violations, "\n\n".join(campaign.violations[:10])
