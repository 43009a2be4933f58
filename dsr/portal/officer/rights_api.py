"""Rectification, objection and portability in the officer's JSON API (``/api/officer/cases/{ref}/rights/…``):
the same steps as the case page's rights section (:mod:`dsr.portal.officer.rights`), in the OpenAPI schema.

The order: ``GET …/rights/fields`` (the correctable fields, read from the stores) and ``POST
…/rights/rectify``; ``POST …/rights/objection``; ``POST …/rights/portability`` (the ZIP and the
reasons, kept with the case) and ``GET …/rights/portability.zip``; ``POST …/rights/task`` once per
Art. 19 notice (``GET …/rights`` lists them); ``POST …/rights/letter`` (the confirmation becomes the
case's answer — or the second letter, where the access answer went out first); then the usual
``…/approve`` and dispatch (a second letter: ``…/erasure/letter/approve`` and ``…/letter/post``).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from dsr import casefile
from dsr.casefile.documents import DocumentInfo, latest_document_id, read_document
from dsr.casefile.erasure import notices_of_case
from dsr.casefile.rights import Objection, Rectification, objections_of, rectifications_of
from dsr.portal.apidoc import serving
from dsr.portal.context import Portal
from dsr.portal.officer import rights as r
from dsr.portal.officer.api_actions import reading_stores, run_action
from dsr.portal.officer.erasure import TaskRow
from dsr.service import portability, rectification
from dsr.writing import Target

#: the longest value an officer types for one field (the store's column decides the rest)
VALUE_LIMIT = 2000


class FieldOut(msgspec.Struct, frozen=True, kw_only=True):
    """A column of one of the subject's records that a rectification may change."""

    store: str
    collection: str
    key: str
    column: str
    label: dict[str, str]
    kind: str  #: text | date | int | …
    current: Any  #: the stored value (dates as ISO text)
    requested: str | None = None  #: the value the requester asked for, where the form names this column
    asked: bool = False


class ChangeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    store: str
    collection: str
    key: str
    column: str
    value: str  #: as typed: converted to the column's kind (dates as 2010-02-01 or 01.02.2010); "" clears it


class RectifyBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    changes: list[ChangeIn]
    #: the correct values are verified: the stores are changed; false: the statement is recorded instead
    verified: bool = True
    statement: str | None = None  #: required where not verified (Art. 16 sentence 2 GDPR)


class RightsState(msgspec.Struct, frozen=True, kw_only=True):
    """What was done for the case's rights, and its Art. 19 notices."""

    rectifications: list[Rectification] = []
    objections: list[Objection] = []
    notices: list[TaskRow] = []
    portability: int | None = None  #: the ZIP's document id
    portability_refusal: int | None = None  #: the reasons' document id


def _state(p: Portal, u: casefile.User, ref: str) -> RightsState:
    casefile.get_case(p.engine, u, ref)
    return RightsState(
        rectifications=rectifications_of(p.engine, u, ref),
        objections=objections_of(p.engine, u, ref),
        notices=[
            TaskRow(
                id=n.id,
                recipient=n.recipient,
                state=n.state.value,
                note=n.note or "",
                closed_at=n.closed_at,
                closed_by=n.closed_by,
            )
            for n in notices_of_case(p.engine, u, ref)
            if n.plan_id is None
        ],
        portability=latest_document_id(p.engine, u, ref, portability.DOCUMENT_KIND),
        portability_refusal=latest_document_id(p.engine, u, ref, portability.REFUSAL_KIND),
    )


def _fields(p: Portal, u: casefile.User, ref: str) -> list[FieldOut]:
    found = rectification.fields_of_case(p.engine, p.settings, u, ref, connectors_of=p.connectors_of)
    return [
        FieldOut(
            store=f.target.store,
            collection=f.target.collection,
            key=f.target.key,
            column=f.column,
            label=dict(f.label),
            kind=f.kind,
            current=msgspec.to_builtins(f.current),
            requested=f.requested,
            asked=f.asked,
        )
        for f in found
    ]


def _rectify(p: Portal, u: casefile.User, ref: str, b: RectifyBody) -> dict[str, Any]:
    if not b.changes or any(len(c.value) > VALUE_LIMIT for c in b.changes):
        raise casefile.InputRejected("name at least one field and its value", code="rectify_nothing")
    ids = rectification.rectify(
        p.engine,
        p.settings,
        u,
        ref,
        [
            rectification.Change(target=Target(c.store, c.collection, c.key), column=c.column, value=c.value)
            for c in b.changes
        ],
        verified=b.verified,
        statement=b.statement,
        connectors_of=p.connectors_of,
    )
    return {"rectifications": ids, "done": "rights.rectify"}


def _zip(p: Portal, u: casefile.User, ref: str) -> tuple[DocumentInfo, bytes]:
    doc = latest_document_id(p.engine, u, ref, portability.DOCUMENT_KIND)
    if doc is None:
        raise casefile.NotFound(f"no portability file in case {ref}")
    return read_document(p.engine, u, ref, doc)


@get("/cases/{ref:str}/rights", summary="Rectifications, objection decisions, Art. 19 notices and portability files")
async def rights_state(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> RightsState:
    return await portal.call(_state, portal, user, ref)  # type: ignore[no-any-return]


@get(
    "/cases/{ref:str}/rights/fields",
    summary="The confirmed subject's fields the mappings open to rectification (reads every store), "
    "with the values the requester asked for",
)
async def rights_fields(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> list[FieldOut]:
    return await reading_stores(portal, _fields, portal, user, ref)  # type: ignore[no-any-return]


@post(
    "/cases/{ref:str}/rights/rectify",
    status_code=200,
    summary="Correct fields in the stores (verified) or record a supplementary statement instead (not verified, "
    "Art. 16 GDPR); a correction opens one Art. 19 notice per recipient. Returns the case file's row ids",
)
async def rights_rectify(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[RectifyBody],
) -> dict[str, Any]:
    return {"ok": True, **await reading_stores(portal, _rectify, portal, user, ref, data)}


@post(
    "/cases/{ref:str}/rights/objection",
    status_code=200,
    summary="Record the decision on an objection (upheld | rejected) with its reasons (Art. 21 GDPR); upheld "
    "against loan_history: the consent is withdrawn and the returned loans anonymised",
)
async def rights_objection(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[r.ObjectionBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "objection-decide", data)


@post(
    "/cases/{ref:str}/rights/portability",
    status_code=200,
    summary="Make the data portability ZIP (Art. 20 GDPR) and the reasons for what the right does not reach; "
    "both kept with the case (document ids)",
)
async def rights_portability(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "portability-make", r.NoBody())


@get(
    "/cases/{ref:str}/rights/portability.zip",
    summary="The case's newest data portability ZIP (data.json, schema.json, one CSV per collection)",
    operation_class=serving("application/zip"),
)
async def rights_portability_zip(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> Response[bytes]:
    info, content = await portal.call(_zip, portal, user, ref)
    return Response(
        content,
        media_type="application/zip",
        headers={
            "content-disposition": f'attachment; filename="{info.filename}"',
            "x-content-type-options": "nosniff",
        },
    )


@post(
    "/cases/{ref:str}/rights/task",
    status_code=200,
    summary="Close an Art. 19 notice of a rectification or objection: done, or impossible / disproportionate "
    "with a note (the letter states it)",
)
async def rights_task(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[r.TaskBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "rights-task", data)


@post(
    "/cases/{ref:str}/rights/letter",
    status_code=200,
    summary="Prepare the confirmation of a right (kind: rectification | objection | portability) as the case's "
    "answer for approval — or its second letter once the access answer went out. Returns the document id",
)
async def rights_letter(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[r.LetterBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "rights-letter", data)


ROUTES = [
    rights_state,
    rights_fields,
    rights_rectify,
    rights_objection,
    rights_portability,
    rights_portability_zip,
    rights_task,
    rights_letter,
]
