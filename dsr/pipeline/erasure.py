"""The erasure plan: for every record of the subject, what erasure will do — or why it cannot yet.

Pure: it reads a :class:`~dsr.model.Gathering`, the stores' declared write rules
(:class:`dsr.writing.WriteRules`), the holds the stores report now, the register's retention rules
and the officer's legal-claim holds, and returns an :class:`ErasurePlan`. Nothing is changed here;
executing an approved plan is :mod:`dsr.service.erasure`'s job.

A record whose erasure is blocked (an open loan, an unpaid fee, a retention period, a legal claim,
a restricted security record) is **restricted** instead (Art. 17(3), 18 GDPR) and scheduled for
erasure when the hold ends: on a date, or when a condition stops holding (checked by
``dsr holds --run``).

Dates: a hold's ``until`` is the last day it lasts (an invoice of 2024 is kept until 31.12.2032);
an action's ``erase_on`` is the latest of them: the record is due for erasure once that day has
passed (``today > erase_on``). The words (outcomes, kinds of hold,
the law cited by default) are data: ``dsr_letter_templates/erasure_plan/words.toml``. The plan as
a readable PDF: :func:`plan_pdf`; how holds are decided: docs/erasure.md.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from dsr.config import DEFAULT_ZONE, ControllerSettings
from dsr.model import Gathering, Record, StoreState, Text
from dsr.pipeline.compose.activities import disclosed, erasure_dates
from dsr.pipeline.compose.values import date_text
from dsr.pipeline.compose.wording import TEMPLATES, wording
from dsr.pipeline.register import Register
from dsr.writing import EraseAction, StoreWriter, Target, WriteRules

WORDS = TEMPLATES / "erasure_plan" / "words.toml"


class HoldKind(enum.StrEnum):
    OPEN_LOAN = "open_loan"  #: until the item is returned
    UNPAID_FEE = "unpaid_fee"  #: until paid or waived
    RETENTION = "retention"  #: a retention period of the register (§ 147 AO, § 257 HGB, § 14b UStG, ...) until a date
    LEGAL_CLAIM = (
        "legal_claim"  #: establishment, exercise or defence of legal claims (Art. 17(3)(e)); officer-set, until a date
    )
    SECURITY = "security"  #: a record restricted for a security incident under investigation (officer decides)
    ROTATION = "rotation"  #: the store forgets by itself on a date (web logs); nothing to do but wait
    #: a kept record points at this one (a loan an unpaid fee is for): it goes with that record
    REFERENCED = "referenced"
    #: another state a store's mapping declares as blocking (``HoldRule.kind``), until it ends
    CONDITION = "condition"
    #: restricted at the person's request (Art. 18(1) GDPR) on a ground of :data:`RESTRICTION_GROUNDS`;
    #: never erased for it: lifted by an officer after telling the person (Art. 18(3))
    REQUEST = "request"


#: the grounds of Art. 18(1) GDPR a restriction at the person's request rests on: code -> letter
RESTRICTION_GROUNDS = {"accuracy": "a", "unlawful": "b", "claims": "c", "objection": "d"}


class PlannedOutcome(enum.StrEnum):
    ERASE = "erase"  #: erased now, as the collection's write rules say
    RESTRICT = "restrict"  #: blocked by a hold: restricted now, erased when the hold ends
    EXPIRES = "expires"  #: the store forgets it by itself on ``erase_on``
    KEEP = "keep"  #: cannot be erased by dsr (no write side; stated with the reason)


class Hold(msgspec.Struct, frozen=True, kw_only=True):
    kind: HoldKind
    #: the last day the hold lasts (retention, legal claim, rotation); None: until a condition ends
    #: (open loan, unpaid fee) or an officer decides (security)
    until: dt.date | None = None
    law: str = ""  #: the provision, e.g. "§ 147 Abs. 1 Nr. 4, Abs. 3 AO; § 14b Abs. 1 UStG"
    reason: Text = {}  #: in words, by language
    #: referenced: the kept record pointing at this one (erased with it, never before)
    kept_with: Target | None = None


class PlannedAction(msgspec.Struct, frozen=True, kw_only=True):
    target: Target
    title: Text  #: the collection's title (what the record is, in words)
    outcome: PlannedOutcome
    erase: EraseAction  #: how it is (or will be) erased, from the write rules
    holds: tuple[Hold, ...] = ()
    #: when a restricted record is due for erasure: the latest ``until`` of its dated holds (erased
    #: once that day has passed); None while a hold without a date lasts. Expires: the day the
    #: store forgets it
    erase_on: dt.date | None = None
    #: keep: why dsr cannot erase it; otherwise the write rules' note on how it is erased
    reason: Text = {}


class Recipient(msgspec.Struct, frozen=True, kw_only=True):
    """A named recipient of an affected activity, to be told of the erasure (Art. 19 GDPR)."""

    activity: str  #: the register's activity key
    name: Text
    activity_name: Text = {}  #: the activity in words (the register's ``name``)


class ErasurePlan(msgspec.Struct, frozen=True, kw_only=True):
    #: content hash ("E-" + 12 hex digits) of everything below but ``created``: the same data
    #: gives the same id, so an approval names exactly what was approved
    id: str
    controller: str
    subject: str  #: the subject's opaque reference
    created: dt.datetime
    actions: tuple[PlannedAction, ...]
    recipients: tuple[Recipient, ...] = ()
    #: stores that could not be read or have no write side: the plan is incomplete for them
    incomplete: tuple[str, ...] = ()
    #: erasure (Art. 17), or restriction at the person's request (Art. 18(1)): every record restricted
    kind: str = "erasure"
    #: restriction: the Art. 18(1) ground (:data:`RESTRICTION_GROUNDS`); "" for erasure
    ground: str = ""


class LegalClaim(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An officer's hold for legal claims (Art. 17(3)(e) GDPR): one record (``target``), or every
    record of a ``collection`` (in ``store``, or in any store), or of a whole ``store``."""

    until: dt.date  #: the last day the records are kept for the claim
    reason: str  #: the officer's words (one language: printed as written)
    target: Target | None = None
    store: str = ""
    collection: str = ""
    law: str = ""  #: default: the words file's (Art. 17 Abs. 3 lit. e DSGVO)

    def __post_init__(self) -> None:
        if self.target is None and not (self.store or self.collection):
            raise ValueError("a legal claim names a record, a collection or a store")

    def covers(self, target: Target) -> bool:
        if self.target is not None:
            return self.target == target
        return (not self.store or self.store == target.store) and (
            not self.collection or self.collection == target.collection
        )


# ------------------------------------------------------------------ planning


def plan_erasure(
    gathering: Gathering,
    writers: Mapping[str, StoreWriter],
    register: Register | None,
    *,
    today: dt.date,
    legal_claims: Sequence[LegalClaim] = (),
    now: dt.datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> ErasurePlan:
    """The plan for erasing everything ``gathering`` holds of its subject.

    ``writers``: the write side of each store, by store name (``Connector.writer()``); a store
    without one is kept and named in ``incomplete``. ``register``: the controller's record of
    processing activities (retention duties, recipients). ``now``: the plan's ``created`` (UTC).
    ``zone`` (``[dsr] timezone``): the local day of a record's stored time.
    """
    records = sorted(gathering.records, key=_target)
    rules = {store: w.rules() for store, w in writers.items()}
    own = _own_holds(records, writers, rules, register, today, legal_claims)
    rule_of = {_target(r): rules.get(r.store, {}).get(r.collection) for r in records}
    holds = _with_references(records, gathering, own, rule_of, register)
    specs = {(c.store, c.name): c for c in gathering.collections}
    actions = tuple(
        _action(r, rule_of[_target(r)], r.store in writers, holds[_target(r)], specs, today, zone) for r in records
    )
    incomplete = {r.store for r in gathering.reports if r.state is not StoreState.OK}
    incomplete |= {r.store for r in records if rule_of[_target(r)] is None}  # no write side for it
    plan = ErasurePlan(
        id="",
        controller=gathering.subject.controller,
        subject=gathering.subject.reference,
        created=now if now is not None else dt.datetime.now(dt.UTC),
        actions=actions,
        recipients=_recipients(actions, records, specs, register),
        incomplete=tuple(sorted(incomplete)),
    )
    return msgspec.structs.replace(plan, id=plan_id(plan))


def plan_restriction(
    gathering: Gathering,
    writers: Mapping[str, StoreWriter],
    register: Register | None,
    *,
    today: dt.date,
    ground: str,
    until: dt.date | None = None,
    now: dt.datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> ErasurePlan:
    """The plan for restricting everything ``gathering`` holds of its subject at the person's
    request (Art. 18(1) GDPR, ``ground`` one of :data:`RESTRICTION_GROUNDS`): every record with a
    store has a write side is restricted (its collection's flag, else dsr's list — also where no way
    to erase is declared), held by one ``request`` hold until ``until`` (None: until lifted);
    nothing is erased. Records of a store without a write side are kept (restricted by hand)."""
    if ground not in RESTRICTION_GROUNDS:
        raise ValueError(f"unknown restriction ground {ground!r}; one of {', '.join(RESTRICTION_GROUNDS)}")
    erasing = plan_erasure(gathering, writers, register, today=today, now=now, zone=zone)
    said = words()["grounds"][ground]
    hold = Hold(kind=HoldKind.REQUEST, until=until, law=str(said["law"]), reason=dict(said["reason"]))
    actions = tuple(
        a
        if a.target.store not in writers
        else msgspec.structs.replace(a, outcome=PlannedOutcome.RESTRICT, holds=(hold,), erase_on=None, reason={})
        for a in erasing.actions
    )
    specs = {(c.store, c.name): c for c in gathering.collections}
    records = sorted(gathering.records, key=_target)
    plan = msgspec.structs.replace(
        erasing,
        actions=actions,
        recipients=_recipients(actions, records, specs, register),
        incomplete=tuple(
            sorted(
                {r.store for r in gathering.reports if r.state is not StoreState.OK}
                | {a.target.store for a in actions if a.outcome is PlannedOutcome.KEEP}
            )
        ),
        kind="restriction",
        ground=ground,
    )
    return msgspec.structs.replace(plan, id=plan_id(plan))


def _target(record: Record) -> Target:
    return Target(record.store, record.collection, record.key)


def _own_holds(
    records: Sequence[Record],
    writers: Mapping[str, StoreWriter],
    rules: Mapping[str, Mapping[str, WriteRules]],
    register: Register | None,
    today: dt.date,
    claims: Sequence[LegalClaim],
) -> dict[Target, list[Hold]]:
    """Each record's holds of its own: what its store reports now, the register's retention
    duties, the officer's legal claims, a security restriction."""
    found: dict[Target, list[Hold]] = {_target(r): [] for r in records}
    for store, writer in writers.items():
        asked = [t for r in records if r.store == store and (t := _target(r)).collection in rules[store]]
        if not asked:
            continue
        for target, kinds in sorted(writer.holds(asked).items()):
            if target not in found:
                continue  # not a record of this subject: nothing to plan for
            declared = {h.kind: h for h in rules[store][target.collection].holds}
            for kind in kinds:
                the_kind = HoldKind(kind) if kind in HoldKind._value2member_map_ else HoldKind.CONDITION
                rule = declared.get(kind)
                found[target].append(
                    _hold(the_kind, reason=dict(rule.reason) if rule is not None and rule.reason else None)
                )
    for target, (until, law, reason) in sorted(_retention(records, register, today).items()):
        found[target].append(_hold(HoldKind.RETENTION, until=until, law=law, reason=reason))
    for r in records:
        target = _target(r)
        for claim in claims:
            if claim.covers(target):
                said = {"de": claim.reason, "en": claim.reason}
                found[target].append(_hold(HoldKind.LEGAL_CLAIM, until=claim.until, law=claim.law, reason=said))
        if r.restricted:
            found[target].append(_hold(HoldKind.SECURITY))
    return found


def _retention(
    records: Sequence[Record], register: Register | None, today: dt.date
) -> dict[Target, tuple[dt.date | None, str, Text]]:
    """Records a retention *duty* of the register (a rule with ``law``) keeps past today: the last
    day kept (None: the period has not begun, a contract still running), the law, the register's
    retention text. A rule without ``law`` is the controller's own storage period, which an erasure
    request cuts short (Art. 17(1)(a) GDPR)."""
    out: dict[Target, tuple[dt.date | None, str, Text]] = {}
    for key, entry in register.activities.items() if register is not None else ():
        rule = entry.retention_rule
        if register is None or rule is None or not rule.law:
            continue
        said = {k: v for k, v in entry.retention.items() if k != "du"}
        # one activity at a time, so that each date comes with its own law
        dates = erasure_dates(msgspec.structs.replace(register, activities={key: entry}), records)
        for r in records:
            if r.collection not in rule.collections:
                continue
            due = dates.get((r.store, r.collection, r.key))
            last_day = due - dt.timedelta(days=1) if due is not None else None
            if _value(r, rule.after) is None and _value(r, rule.or_after) is None:
                last_day = None  # the period has not begun
            elif last_day is None or last_day < today:
                continue  # over (or suspended, or kept with the record pointing at it)
            target = _target(r)
            before = out.get(target)
            if before is None or (before[0] is not None and (last_day is None or before[0] < last_day)):
                out[target] = (last_day, rule.law, said)
    return out


def _hold(
    kind: HoldKind,
    *,
    until: dt.date | None = None,
    law: str = "",
    reason: Mapping[str, str] | None = None,
    kept_with: Target | None = None,
) -> Hold:
    said = words()["holds"][kind.value]
    return Hold(
        kind=kind,
        until=until,
        law=law or said["law"],
        reason=dict(reason) if reason else dict(said["reason"]),
        kept_with=kept_with,
    )


def _with_references(
    records: Sequence[Record],
    gathering: Gathering,
    own: Mapping[Target, list[Hold]],
    rule_of: Mapping[Target, WriteRules | None],
    register: Register | None,
) -> dict[Target, tuple[Hold, ...]]:
    """Own holds plus one ``referenced`` hold for every kept record pointing at the record: what the
    register declares (``referenced_by``: a loan with a fee) and, where the record's row would be
    deleted, what the mapping's joins and the subject's own row imply. A row that is overwritten or
    anonymised stays, so what points at it stays valid: no hold (the James account)."""
    edges = sorted(set(_references(records, gathering, rule_of, register)))
    referenced: dict[Target, list[Hold]] = {}
    for _ in range(len(records) + 1):  # holds pass down a chain at most once per record
        merged = {t: [*own[t], *referenced.get(t, [])] for t in own}
        following: dict[Target, list[Hold]] = {}
        for source, target in edges:
            if _kept(rule_of[source], merged[source]) and _erasable(rule_of[target]):
                until = _last_day(merged[source]) if rule_of[source] is not None else None
                following.setdefault(target, []).append(_hold(HoldKind.REFERENCED, until=until, kept_with=source))
        if following == referenced:
            break
        referenced = following
    return {t: (*own[t], *referenced.get(t, [])) for t in own}


def _references(
    records: Sequence[Record],
    gathering: Gathering,
    rule_of: Mapping[Target, WriteRules | None],
    register: Register | None,
) -> Iterable[tuple[Target, Target]]:
    """(a record, a record it points at) among the subject's records of one store."""
    by_key = {(r.store, r.collection, r.key): _target(r) for r in records}
    specs = {(c.store, c.name): c for c in gathering.collections}
    deleted = {t for t, rule in rule_of.items() if rule is not None and rule.erase.action is EraseAction.DELETE}
    rows: dict[tuple[str, str], list[Target]] = {}  # deleted records by store and key
    for t in sorted(deleted):
        rows.setdefault((t.store, t.key), []).append(t)
    entries = register.activities.values() if register is not None else ()
    for rule in [e.retention_rule for e in entries if e.retention_rule is not None]:
        for ref in rule.referenced_by:
            collection, field = ref.split(".", 1)
            for r in records:
                value = _value(r, field) if r.collection == collection else None
                for kept in rule.collections if value is not None else ():
                    if (found := by_key.get((r.store, kept, str(value)))) is not None:
                        yield _target(r), found
    for r in records:
        spec = specs.get((r.store, r.collection))
        for f in spec.fields if spec is not None else ():
            value = _value(r, f.name) if f.joins is not None else None
            if f.joins is not None and value is not None:
                found = by_key.get((r.store, f.joins.collection, str(value)))
                if found is not None and found in deleted:
                    yield _target(r), found
        # every record of the subject points at the subject's own row (the account)
        for key in gathering.subject.keys(r.store):
            for t in rows.get((r.store, key), ()):
                if t != _target(r):
                    yield _target(r), t


def _value(record: Record, name: str) -> object:
    try:
        return record.value(name)
    except KeyError:
        return None


def _erasable(rule: WriteRules | None) -> bool:
    return rule is not None and rule.erase.action in (EraseAction.DELETE, EraseAction.ANONYMISE, EraseAction.OVERWRITE)


def _kept(rule: WriteRules | None, holds: Sequence[Hold]) -> bool:
    """Whether the record stays after the plan is executed: held, or not erasable by dsr."""
    if rule is None or rule.erase.action is EraseAction.NONE:
        return True
    return _erasable(rule) and bool(holds)


def _last_day(holds: Sequence[Hold]) -> dt.date | None:
    """The last day the holds last, when every one has a date."""
    if not holds or any(h.until is None for h in holds):
        return None
    return max(h.until for h in holds if h.until is not None)


def _action(
    record: Record,
    rule: WriteRules | None,
    has_writer: bool,
    holds: tuple[Hold, ...],
    specs: Mapping[tuple[str, str], Any],
    today: dt.date,
    zone: ZoneInfo,
) -> PlannedAction:
    target = _target(record)
    spec = specs.get((record.store, record.collection))
    title = dict(spec.title) if spec is not None else {"de": record.collection, "en": record.collection}
    keep = words()["keep"]
    if rule is None:
        why = keep["no_rules"] if has_writer else keep["no_writer"]
        return PlannedAction(
            target=target,
            title=title,
            outcome=PlannedOutcome.KEEP,
            erase=EraseAction.NONE,
            holds=holds,
            reason=dict(why),
        )
    note = dict(rule.erase.note)
    if rule.erase.action is EraseAction.NONE:
        return PlannedAction(
            target=target,
            title=title,
            outcome=PlannedOutcome.KEEP,
            erase=EraseAction.NONE,
            holds=holds,
            reason=note or dict(keep["none"]),
        )
    if rule.erase.action is EraseAction.EXPIRES:
        gone = _expiry(record, spec, rule, today, zone)
        return PlannedAction(
            target=target,
            title=title,
            outcome=PlannedOutcome.EXPIRES,
            erase=EraseAction.EXPIRES,
            holds=(_hold(HoldKind.ROTATION, until=gone), *holds),
            erase_on=gone,
            reason=note,
        )
    if holds:
        return PlannedAction(
            target=target,
            title=title,
            outcome=PlannedOutcome.RESTRICT,
            erase=rule.erase.action,
            holds=holds,
            erase_on=_last_day(holds),
            reason=note,
        )
    return PlannedAction(target=target, title=title, outcome=PlannedOutcome.ERASE, erase=rule.erase.action, reason=note)


def _expiry(record: Record, spec: Any, rule: WriteRules, today: dt.date, zone: ZoneInfo) -> dt.date | None:
    """The day the store forgets the record: its date (the collection's ``order_by`` field, else
    its first date) plus the rotation's days; today plus the days for a record without a date."""
    days = rule.erase.expires_after_days
    if days is None:
        return None
    names = [spec.order_by] if spec is not None and spec.order_by else []
    names += [f.name for f in record.fields]
    for name in names:
        value = _value(record, name)
        if isinstance(value, dt.datetime):
            value = value.astimezone(zone).date() if value.tzinfo is not None else value.date()
        if isinstance(value, dt.date):
            return value + dt.timedelta(days=days)
    return today + dt.timedelta(days=days)


def _recipients(
    actions: Sequence[PlannedAction],
    records: Sequence[Record],
    specs: Mapping[tuple[str, str], Any],
    register: Register | None,
) -> tuple[Recipient, ...]:
    """The named recipients of every activity with an erased or restricted record, in the order the
    activities first appear; the recipients the records themselves name (``recipient_fields``:
    the registrar of a domain order); and those the records say the data went to (``disclosed_to``:
    the parent who got a copy of a notice, the police an incident was reported to) — Art. 19 asks
    for the actual recipients (CJEU C-154/21), not only the kinds."""
    if register is None:
        return ()
    affected = [
        r for r, a in zip(records, actions, strict=True) if a.outcome in (PlannedOutcome.ERASE, PlannedOutcome.RESTRICT)
    ]
    return recipients_of(affected, specs, register)


def recipients_of(
    affected: Sequence[Record], specs: Mapping[tuple[str, str], Any], register: Register
) -> tuple[Recipient, ...]:
    """The named recipients (register, ``recipient_fields``, ``disclosed_to``) of the activities of
    ``affected`` records: whom a rectification or a stopped processing is told of, too (Art. 19)."""
    activities: list[str] = []
    for r in affected:
        spec = specs.get((r.store, r.collection))
        if spec is not None and spec.activity not in activities:
            activities.append(spec.activity)
    out: list[Recipient] = []
    for key in activities:
        entry = register.activity(key)
        if entry is None:
            continue
        names = [_text(n.name) for n in entry.recipients]
        for ref in entry.recipient_fields:
            collection, field = ref.split(".", 1)
            names += [_text(str(v)) for r in affected if r.collection == collection and (v := _value(r, field))]
        names += _disclosed_names(entry, affected, specs)
        for name in names:
            one = Recipient(activity=key, name=name, activity_name=_text(entry.name))
            if one not in out:
                out.append(one)
    return tuple(out)


def _disclosed_names(
    entry: Any, affected: Sequence[Record], specs: Mapping[tuple[str, str], Any]
) -> list[dict[str, str]]:
    """The ``disclosed_to`` recipients the affected records name, in German and English (the same
    rules and records in the same order, so the two lists pair up; German stands in for a pair
    that does not)."""
    if not entry.disclosed_to:
        return []
    fields = {(c.name, f.name): f for c in specs.values() for f in c.fields}
    de = [r.name for r in disclosed(entry, affected, fields, wording("de"))]
    en = [r.name for r in disclosed(entry, affected, fields, wording("en"))]
    if len(en) != len(de):
        en = de
    return [{"de": d, "en": e} for d, e in zip(de, en, strict=True)]


def _text(value: str | Mapping[str, str]) -> dict[str, str]:
    if isinstance(value, str):
        return {"de": value, "en": value}
    return {k: v for k, v in value.items() if k != "du"}


@functools.cache
def words() -> dict[str, Any]:
    """``erasure_plan/words.toml``: outcomes, ways of erasing, kinds of hold (with the law cited by
    default), why a record is kept."""
    with WORDS.open("rb") as f:
        return tomllib.load(f)


# ------------------------------------------------------------------ JSON


def plan_json(plan: ErasurePlan) -> bytes:
    """``plan.json``: the plan's fields as documented in docs/erasure.md, keys in a stable order,
    indented for reading. :func:`plan_from_json` reads it back."""
    return msgspec.json.format(msgspec.json.encode(plan, order="deterministic"), indent=2) + b"\n"


def plan_from_json(content: bytes) -> ErasurePlan:
    """A plan from :func:`plan_json`. Raises :class:`msgspec.ValidationError` for anything else."""
    return msgspec.json.decode(content, type=ErasurePlan)


def plan_id(plan: ErasurePlan) -> str:
    """The id the plan's content gives: "E-" and the first 12 hex digits of a SHA-256 over the
    canonical JSON (sorted keys) of every field but ``id`` and ``created`` (to check that a plan
    read back was not edited: ``plan_id(plan) == plan.id``)."""
    body = {f: getattr(plan, f) for f in ("controller", "subject", "actions", "recipients", "incomplete")}
    if plan.kind != "erasure":  # an erasure plan's id stays what it was before restriction plans existed
        body |= {"kind": plan.kind, "ground": plan.ground}
    return "E-" + hashlib.sha256(msgspec.json.encode(body, order="sorted")).hexdigest()[:12].upper()


# ------------------------------------------------------------------ PDF


class _Row(msgspec.Struct, frozen=True, kw_only=True):
    """One line of a store's table: records of one collection that fare alike."""

    what: str
    keys: tuple[str, ...]
    outcome: str
    how: str  #: the way of erasing (for records erased or restricted)
    why: tuple[str, ...]
    until: tuple[str, ...]
    law: tuple[str, ...]


def plan_pdf(plan: ErasurePlan, controller: ControllerSettings, language: str, zone: ZoneInfo = DEFAULT_ZONE) -> bytes:
    """``plan.pdf``: the plan for the officers who approve it, on A4 in ``language`` ("de", "en"),
    set like the letters (their fonts and style sheet, tagged PDF/A; nothing fetched from outside)."""
    # WeasyPrint only when a PDF is wanted: planning and the JSON do without it
    import weasyprint

    from dsr.pipeline.compose.wording import wording
    from dsr.pipeline.render import templates
    from dsr.pipeline.render.fonts import TemplateFetcher
    from dsr.pipeline.render.pdf import PDF_VARIANT, _accessible, _font_config, _lock, stylesheets

    markup = templates.html(
        "erasure_plan",
        language,
        plan=plan,
        c=controller,
        stores=_tables(plan, language),
        incomplete=[wording(language).get("stores", store) for store in plan.incomplete],
        summary=_summary(plan, language),
        created=plan.created.astimezone(zone),
        words=words(),
        lang=language,
    )
    with _lock:  # one WeasyPrint render at a time per process (see render.pdf)
        document = weasyprint.HTML(
            string=markup, base_url=templates.base_url("erasure_plan"), url_fetcher=TemplateFetcher()
        )
        written: bytes = document.write_pdf(
            stylesheets=stylesheets(), font_config=_font_config(), pdf_variant=PDF_VARIANT
        )
    return _accessible(written)


def _tables(plan: ErasurePlan, language: str) -> list[tuple[str, list[_Row]]]:
    """Per store (in the letters' words for it), the plan's records grouped into rows."""
    from dsr.pipeline.compose.wording import pick, wording

    said = words()
    tables: dict[str, dict[tuple[str, str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], list[str]]] = {}
    for a in plan.actions:
        why = [f"{pick(said['holds'][h.kind.value]['name'], language)}: {pick(h.reason, language)}" for h in a.holds]
        if a.reason and a.outcome is PlannedOutcome.KEEP:
            why.insert(0, pick(a.reason, language))
        how = ""
        if a.outcome in (PlannedOutcome.ERASE, PlannedOutcome.RESTRICT) and plan.kind == "erasure":
            how = pick(said["erase_actions"][a.erase.value], language)
        # a restriction at the person's request is not erased later
        outcome = (
            "restricted" if plan.kind == "restriction" and a.outcome is PlannedOutcome.RESTRICT else a.outcome.value
        )
        line = (
            pick(a.title, language),
            pick(said["outcomes"][outcome], language),
            how,
            tuple(why),
            tuple(until_text(h, language) for h in a.holds),
            tuple(dict.fromkeys(h.law for h in a.holds if h.law)),
        )
        store = wording(language).get("stores", a.target.store)
        tables.setdefault(store, {}).setdefault(line, []).append(a.target.key)
    return [
        (
            store,
            [
                _Row(what=w, keys=tuple(keys), outcome=o, how=h, why=y, until=u, law=law)
                for (w, o, h, y, u, law), keys in rows.items()
            ],
        )
        for store, rows in tables.items()
    ]


def _summary(plan: ErasurePlan, language: str) -> dict[str, object]:
    """The counts the summary line says, with the last dates."""
    by = {o: [a for a in plan.actions if a.outcome is o] for o in PlannedOutcome}
    restricted = by[PlannedOutcome.RESTRICT]
    dated = [a.erase_on for a in restricted if a.erase_on is not None]
    expiring = [a.erase_on for a in by[PlannedOutcome.EXPIRES] if a.erase_on is not None]
    return {
        "erase": len(by[PlannedOutcome.ERASE]),
        "restrict": len(restricted),
        "restrict_last": date_text(max(dated), language) if dated else "",
        "restrict_open": len(restricted) - len(dated),
        "expires": len(by[PlannedOutcome.EXPIRES]),
        "expires_last": date_text(max(expiring), language) if expiring else "",
        "keep": len(by[PlannedOutcome.KEEP]),
    }


def until_text(hold: Hold, language: str) -> str:
    """Until when a hold lasts, in words: the date, or the event it waits for."""
    if hold.until is not None:
        return date_text(hold.until, language)
    return str(words()["holds"][hold.kind.value]["until"][language])
