"""The request form's checks (any input: a clear problem list or a valid intake, never a crash)
and the pages' accessibility basics."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.casefile import Acting, Intake
from dsr.config import Contact, ControllerSettings, load
from dsr.portal.public.intake import Checked, RequestForm, Upload, check

SCHOOL = ControllerSettings(
    key="gym",
    name="Gymnasium",
    kind="school",
    land="BY",
    public=True,
    street="Weg 1",
    postal_code="80331",
    city="München",
    email="dsb@gym.example",
    dpo=Contact(name="DSB"),
    signatory=Contact(name="Leitung"),
)
NOW = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
FIELDS = (
    "acting",
    "first_name",
    "last_name",
    "date_of_birth",
    "card_number",
    "requester_first_name",
    "requester_last_name",
    "email",
    "postal_address",
    "details",
)


@given(
    fields=st.fixed_dictionaries({}, optional={f: st.text(max_size=300) for f in FIELDS}),
    types=st.lists(st.sampled_from(["access", "copy", "erasure", "objection", "bogus", ""]), max_size=4),
    upload=st.none()
    | st.builds(
        Upload, st.text(max_size=20), st.sampled_from(["application/pdf", "text/html", ""]), st.binary(max_size=50)
    ),
)
@settings(max_examples=200, deadline=None)
def test_any_input_gives_field_problems_or_a_consistent_intake(
    fields: dict[str, str], types: list[str], upload: Upload | None
) -> None:
    controller = SCHOOL
    result = check(RequestForm.from_fields(fields, types, upload), controller, received_at=NOW, max_upload_bytes=40)
    if isinstance(result, dict):
        assert result and all(key.startswith("form.error.") for key in result.values())
        assert set(result) <= {*FIELDS, "types", "authorisation"}
        return
    assert isinstance(result, Checked) and isinstance(result.intake, Intake)
    intake = result.intake
    assert intake.request_types and intake.subject.descriptor.last_name == fields["last_name"].strip()
    assert (intake.requester is None) == (intake.acting is Acting.SELF)
    contact = intake.requester or intake.subject
    assert contact.email and "@" in contact.email
    assert (result.authorisation is not None) == (intake.acting is Acting.REPRESENTATIVE)


def test_a_valid_form_becomes_an_intake_for_the_controllers_land(portal_config: Any) -> None:
    controller = load(portal_config).controller("james-vendor")
    form = RequestForm.from_fields(
        {"first_name": " Anna ", "last_name": "Beispiel", "email": "Anna@Example.ORG", "date_of_birth": "2010-03-04"},
        ["access", "access", "copy"],
    )
    result = check(form, controller, received_at=NOW, max_upload_bytes=10)
    assert isinstance(result, Checked)
    assert result.intake.land == "BE" and result.intake.controller == "james-vendor"
    assert [t.value for t in result.intake.request_types] == ["access", "copy"]
    assert result.intake.subject.descriptor.first_name == "Anna"
    assert result.intake.subject.descriptor.date_of_birth == dt.date(2010, 3, 4)
    assert result.intake.subject.email == "Anna@example.org"  # the domain part normalised


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.labels: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("input", "textarea", "select") and a.get("type") != "hidden":
            self.inputs.append(a)
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))


def test_every_input_has_a_label_and_every_page_a_language_and_heading(client: Any) -> None:
    for path in ("/de/", "/en/request/gym-musterstadt", "/de/verify/1", "/en/verify", "/de/status"):
        html = client.get(path).text
        parser = _Inputs()
        parser.feed(html)
        for field in parser.inputs:
            assert field.get("id") in parser.labels, (path, field)
        assert re.search(r'<html lang="(de|en)">', html) and "<h1>" in html and '<main id="main"' in html
